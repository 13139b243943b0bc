export * from './migrations';
export * from './projection-engine';
export * from './table-columns';
export * from './projections/months-touched';
export * from './projections/read-model-rows';
export * from './projections/patient-month.projection';
export * from './projections/care-plan-versions.projection';
export * from './entities/read-models.entity';
