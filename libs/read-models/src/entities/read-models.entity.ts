import { Column, Entity, PrimaryColumn } from 'typeorm';

/*
 * TypeORM entities of the read models, mirroring migration 1763800100000 (the migration is the schema;
 * these classes give typed access and let TypeORM check the two agree). `bigint` columns map to strings
 * (node-postgres returns int8 as text to keep precision).
 */

/**
 * The key every patient-month read model starts with (read-model version, tenant, patient, month) and
 * the departments a row is scoped to. TypeORM inherits columns from a plain abstract class.
 */
abstract class PatientMonthRow {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'patient_id', type: 'text' }) patientId!: string;
  @PrimaryColumn({ name: 'month', type: 'char', length: 7 }) month!: string;
  @Column({ name: 'department_ids', type: 'text', array: true }) departmentIds!: string[];
}

/** The active read-model version (one row); a rebuild switches it. */
@Entity({ name: 'projection_state' })
export class ProjectionStateEntity {
  @PrimaryColumn({ name: 'name', type: 'text' }) name!: string;
  @Column({ name: 'active_version', type: 'integer' }) activeVersion!: number;
  @Column({ name: 'building_version', type: 'integer', nullable: true }) buildingVersion!: number | null;
  @Column({ name: 'switched_at', type: 'timestamptz' }) switchedAt!: Date;
}

/** The projector's own copy of every consumed event: the source for recomputes, rebuild checks and `asOf`. */
@Entity({ name: 'projected_events' })
export class ProjectedEventEntity {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'event_id', type: 'uuid' }) eventId!: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @Column({ name: 'patient_id', type: 'text', nullable: true }) patientId!: string | null;
  @Column({ name: 'stream_id', type: 'text' }) streamId!: string;
  @Column({ name: 'type', type: 'text' }) type!: string;
  @Column({ name: 'schema_version', type: 'integer' }) schemaVersion!: number;
  @Column({ name: 'global_position', type: 'bigint', nullable: true }) globalPosition!: string | null;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ name: 'recorded_at', type: 'timestamptz' }) recordedAt!: Date;
  @Column({ name: 'event', type: 'jsonb' }) event!: unknown;
  @Column({ name: 'kafka_partition', type: 'integer' }) kafkaPartition!: number;
  @Column({ name: 'kafka_offset', type: 'bigint' }) kafkaOffset!: string;
  @Column({ name: 'projected_at', type: 'timestamptz' }) projectedAt!: Date;
}

/** Next offset per topic partition and model version (PostgreSQL is the source of truth). */
@Entity({ name: 'projector_offsets' })
export class ProjectorOffsetEntity {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'topic', type: 'text' }) topic!: string;
  @PrimaryColumn({ name: 'partition', type: 'integer' }) partition!: number;
  @Column({ name: 'next_offset', type: 'bigint' }) nextOffset!: string;
  @Column({ name: 'high_watermark', type: 'bigint', nullable: true }) highWatermark!: string | null;
  @Column({ name: 'max_position', type: 'bigint', nullable: true }) maxPosition!: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  /** Bumped by every applied dead-letter retry of the partition (ADR 1401): in-memory state is stale. */
  @Column({ name: 'retry_generation', type: 'bigint', default: 0 }) retryGeneration!: string;
}

/**
 * Poison messages parked on the DLQ, with the error code (ids only): the one description of the
 * table's columns (`TABLE_COLUMNS` lists only those a batch inserts; the retry columns start empty).
 * `error_code` / `error`: why it was parked. A retry (ADR 1401) sets `retried_at`, `retry_count`,
 * `retry_outcome` (`applied` | `failed-again`) and, when it failed, `retry_error_code`; an applied
 * retry sets `resolved_at` (the row is resolved; open = `resolved_at IS NULL`).
 */
@Entity({ name: 'dead_lettered_events' })
export class DeadLetteredEventEntity {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'topic', type: 'text' }) topic!: string;
  @PrimaryColumn({ name: 'partition', type: 'integer' }) partition!: number;
  @PrimaryColumn({ name: 'kafka_offset', type: 'bigint' }) kafkaOffset!: string;
  @Column({ name: 'event_id', type: 'text', nullable: true }) eventId!: string | null;
  @Column({ name: 'tenant_id', type: 'text', nullable: true }) tenantId!: string | null;
  @Column({ name: 'global_position', type: 'bigint', nullable: true }) globalPosition!: string | null;
  @Column({ name: 'error_code', type: 'text' }) errorCode!: string;
  @Column({ name: 'error', type: 'jsonb' }) error!: unknown;
  @Column({ name: 'retried_at', type: 'timestamptz', nullable: true }) retriedAt!: Date | null;
  @Column({ name: 'retry_outcome', type: 'text', nullable: true }) retryOutcome!:
    'applied' | 'failed-again' | null;
  @Column({ name: 'retry_error_code', type: 'text', nullable: true }) retryErrorCode!: string | null;
  @Column({ name: 'retry_count', type: 'integer', default: 0 }) retryCount!: number;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt!: Date | null;
}

/** Latest organization / practitioner registration per tenant. */
@Entity({ name: 'reference_data' })
export class ReferenceDataEntity {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'kind', type: 'text' }) kind!: string;
  @PrimaryColumn({ name: 'ref_id', type: 'text' }) refId!: string;
  @Column({ name: 'organization_id', type: 'text', nullable: true }) organizationId!: string | null;
  @Column({ name: 'timezone', type: 'text', nullable: true }) timezone!: string | null;
  @Column({ name: 'org_kind', type: 'text', nullable: true }) orgKind!: string | null;
  @Column({ name: 'role', type: 'text', nullable: true }) role!: string | null;
  @Column({ name: 'credential', type: 'text', nullable: true }) credential!: string | null;
  @Column({ name: 'can_bill_em', type: 'boolean', nullable: true }) canBillEm!: boolean | null;
  @Column({ name: 'data', type: 'jsonb' }) data!: unknown;
  @Column({ name: 'event_id', type: 'uuid' }) eventId!: string;
  @Column({ name: 'global_position', type: 'bigint', nullable: true }) globalPosition!: string | null;
}

/** Per patient: home organization and every referenced practitioner/organization id (what a reference change recomputes). */
@Entity({ name: 'patient_index' })
export class PatientIndexEntity {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'patient_id', type: 'text' }) patientId!: string;
  @Column({ name: 'organization_id', type: 'text', nullable: true }) organizationId!: string | null;
  @Column({ name: 'ref_ids', type: 'text', array: true }) refIds!: string[];
  @Column({ name: 'department_ids', type: 'text', array: true }) departmentIds!: string[];
  @Column({ name: 'event_count', type: 'integer' }) eventCount!: number;
  @Column({ name: 'max_position', type: 'bigint', nullable: true }) maxPosition!: string | null;
}

/** The full determination JSON per patient-month (`GET .../months/{YYYY-MM}`). */
@Entity({ name: 'month_determinations' })
export class MonthDeterminationEntity extends PatientMonthRow {
  @Column({ name: 'rules_version', type: 'text' }) rulesVersion!: string;
  @Column({ name: 'organization_id', type: 'text', nullable: true }) organizationId!: string | null;
  @Column({ name: 'determination', type: 'jsonb' }) determination!: unknown;
}

/** Minutes per patient, program, billing practitioner, performer role and month: raw, excluded, counted. */
@Entity({ name: 'monthly_minutes' })
export class MonthlyMinutesEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'program', type: 'text' }) program!: string;
  @PrimaryColumn({ name: 'practitioner_id', type: 'text' }) practitionerId!: string;
  @PrimaryColumn({ name: 'performer_role', type: 'text' }) performerRole!: string;
  @Column({ name: 'raw_minutes', type: 'integer' }) rawMinutes!: number;
  @Column({ name: 'counted_minutes', type: 'integer' }) countedMinutes!: number;
  @Column({ name: 'excluded_minutes', type: 'integer' }) excludedMinutes!: number;
  @Column({ name: 'entry_count', type: 'integer' }) entryCount!: number;
}

/** Each care-plan version: content (free text), author, effective dates, diff to the previous version. */
@Entity({ name: 'care_plan_versions' })
export class CarePlanVersionEntity {
  @PrimaryColumn({ name: 'model_version', type: 'integer' }) modelVersion!: number;
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @PrimaryColumn({ name: 'patient_id', type: 'text' }) patientId!: string;
  @PrimaryColumn({ name: 'care_plan_id', type: 'text' }) carePlanId!: string;
  @PrimaryColumn({ name: 'version', type: 'integer' }) version!: number;
  @Column({ name: 'program', type: 'text' }) program!: string;
  @Column({ name: 'kind', type: 'text' }) kind!: string;
  @Column({ name: 'author_id', type: 'text' }) authorId!: string;
  @Column({ name: 'effective_from', type: 'date' }) effectiveFrom!: string;
  @Column({ name: 'effective_to', type: 'date', nullable: true }) effectiveTo!: string | null;
  @Column({ name: 'substantial', type: 'boolean' }) substantial!: boolean;
  @Column({ name: 'mdm', type: 'text', nullable: true }) mdm!: string | null;
  @Column({ name: 'shared_with_patient', type: 'boolean', nullable: true }) sharedWithPatient!:
    boolean | null;
  @Column({ name: 'content', type: 'jsonb' }) content!: unknown;
  @Column({ name: 'diff', type: 'jsonb' }) diff!: unknown;
  @Column({ name: 'event_id', type: 'uuid' }) eventId!: string;
  @Column({ name: 'department_ids', type: 'text', array: true }) departmentIds!: string[];
}

/** Provider of record per patient, program and month. */
@Entity({ name: 'provider_of_record' })
export class ProviderOfRecordEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'program', type: 'text' }) program!: string;
  @Column({ name: 'practitioner_id', type: 'text' }) practitionerId!: string;
}

/** Eligibility per patient, program and month, with reasons. */
@Entity({ name: 'eligibility' })
export class EligibilityEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'program', type: 'text' }) program!: string;
  @Column({ name: 'eligible', type: 'boolean' }) eligible!: boolean;
  @Column({ name: 'reasons', type: 'jsonb' }) reasons!: unknown;
}

/** Billed lines with their explanation (rule set, rule, counted minutes, entry ids). */
@Entity({ name: 'billing_lines' })
export class BillingLineEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'line_no', type: 'integer' }) lineNo!: number;
  @Column({ name: 'code', type: 'text' }) code!: string;
  @Column({ name: 'units', type: 'integer' }) units!: number;
  @Column({ name: 'practitioner_id', type: 'text' }) practitionerId!: string;
  @Column({ name: 'program', type: 'text', nullable: true }) program!: string | null;
  @Column({ name: 'service_date', type: 'text', nullable: true }) serviceDate!: string | null;
  @Column({ name: 'rules_version', type: 'text' }) rulesVersion!: string;
  @Column({ name: 'rule', type: 'text', nullable: true }) rule!: string | null;
  @Column({ name: 'counted_minutes', type: 'integer', nullable: true }) countedMinutes!: number | null;
  @Column({ name: 'entry_ids', type: 'text', array: true }) entryIds!: string[];
  @Column({ name: 'explanation', type: 'jsonb' }) explanation!: unknown;
}

/** Entries (or parts) that bill nothing, with the reason. */
@Entity({ name: 'excluded_entries' })
export class ExcludedEntryEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'seq', type: 'integer' }) seq!: number;
  @Column({ name: 'entry_id', type: 'text' }) entryId!: string;
  @Column({ name: 'minutes', type: 'integer' }) minutes!: number;
  @Column({ name: 'reason', type: 'text' }) reason!: string;
  @Column({ name: 'program', type: 'text', nullable: true }) program!: string | null;
  @Column({ name: 'practitioner_id', type: 'text', nullable: true }) practitionerId!: string | null;
}

/** Minutes to the next threshold per patient, program and practitioner, per month. */
@Entity({ name: 'worklist' })
export class WorklistEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'program', type: 'text' }) program!: string;
  @PrimaryColumn({ name: 'practitioner_id', type: 'text' }) practitionerId!: string;
  @Column({ name: 'counted_minutes', type: 'integer' }) countedMinutes!: number;
  @Column({ name: 'billed_codes', type: 'text', array: true }) billedCodes!: string[];
  @Column({ name: 'next_threshold', type: 'integer', nullable: true }) nextThreshold!: number | null;
  @Column({ name: 'minutes_to_next', type: 'integer', nullable: true }) minutesToNext!: number | null;
  @Column({ name: 'next_code', type: 'text', nullable: true }) nextCode!: string | null;
}

/** PROVIDER_CONFLICT, NO_CONSENT, EXCLUSIVE_CHOICE and CLAIM_MISMATCH flags per patient-month. */
@Entity({ name: 'conflicts' })
export class ConflictEntity extends PatientMonthRow {
  @PrimaryColumn({ name: 'seq', type: 'integer' }) seq!: number;
  @Column({ name: 'code', type: 'text' }) code!: string;
  @Column({ name: 'program', type: 'text', nullable: true }) program!: string | null;
  @Column({ name: 'practitioner_id', type: 'text', nullable: true }) practitionerId!: string | null;
  @Column({ name: 'detail', type: 'text' }) detail!: string;
}

/** Every read-model entity (for a TypeORM DataSource). */
export const READ_MODEL_ENTITIES = [
  ProjectionStateEntity,
  ProjectedEventEntity,
  ProjectorOffsetEntity,
  DeadLetteredEventEntity,
  ReferenceDataEntity,
  PatientIndexEntity,
  MonthDeterminationEntity,
  MonthlyMinutesEntity,
  CarePlanVersionEntity,
  ProviderOfRecordEntity,
  EligibilityEntity,
  BillingLineEntity,
  ExcludedEntryEntity,
  WorklistEntity,
  ConflictEntity,
];
