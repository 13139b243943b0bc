export * from './migrations';
export * from './projection-engine';
export * from './table-columns';
export * from './projections/read-model-rows';
export * from './projections/patient-month.projection';
export * from './projections/care-plan-versions.projection';
export * from './entities/read-models.entity';
export * from './migrate-database';
