import type { PoolClient } from 'pg';
import type { ContractEvent } from '@careledger/domain';
import { PATIENT_MONTH_TABLES, type PatientMonthRows } from '../projections/read-model-rows';
import { type ColumnTable, columnArrays, insertSql, textArrayLiteral } from '../table-columns';
import type { StoredEvent } from './batch-plan';
import type { ParsedEvent } from './event-parser';
import type { PatientIndexRow } from './patient-compute';

const CHUNK = 5_000;

/** Row keys of the patient-month arrays of {@link PatientMonthRows}, in table order. */
const MONTH_ROW_KEYS: Record<(typeof PATIENT_MONTH_TABLES)[number], keyof PatientMonthRows> = {
  month_determinations: 'determination',
  monthly_minutes: 'monthlyMinutes',
  provider_of_record: 'providerOfRecord',
  eligibility: 'eligibility',
  billing_lines: 'billingLines',
  excluded_entries: 'excludedEntries',
  worklist: 'worklist',
  conflicts: 'conflicts',
};

/** A patient-month whose rows are replaced (rows null: deleted, nothing inserted). */
export interface MonthWrite {
  tenantId: string;
  patientId: string;
  month: string;
  rows: PatientMonthRows | null;
}

/**
 * The projector's only SQL: every statement that reads or writes the versioned read-model tables
 * for one transaction and one model version. Bulk inserts are `unnest` of one array per column.
 */
export class ReadModelWriter {
  constructor(
    private readonly client: Pick<PoolClient, 'query'>,
    readonly version: number,
  ) {}

  async insertRows(table: ColumnTable, rows: readonly object[], onConflict = ''): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.client.query(insertSql(table, onConflict), [
        this.version,
        ...columnArrays(table, rows.slice(i, i + CHUNK)),
      ]);
    }
  }

  /** The stored next offset of a partition, locked FOR UPDATE (0 when none). */
  /**
   * The partition's stored offset and retry generation, locked FOR UPDATE (a batch and a dead-letter
   * retry of the partition run one after the other). The generation (ADR 1401) moves when a retry
   * applied a message without moving the offset.
   */
  async lockOffset(topic: string, partition: number): Promise<{ offset: bigint; generation: string }> {
    const off = await this.client.query<{ next_offset: string; retry_generation: string }>(
      `SELECT next_offset, retry_generation FROM projector_offsets WHERE model_version = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [this.version, topic, partition],
    );
    const row = off.rows[0];
    return row
      ? { offset: BigInt(row.next_offset), generation: String(row.retry_generation) }
      : { offset: 0n, generation: '0' };
  }

  /** After an applied retry: every member's in-memory state of the partition is stale (ADR 1401). */
  async bumpRetryGeneration(topic: string, partition: number): Promise<void> {
    await this.client.query(
      `INSERT INTO projector_offsets (model_version, topic, partition, next_offset, retry_generation, updated_at)
       VALUES ($1, $2, $3, 0, 1, clock_timestamp())
       ON CONFLICT (model_version, topic, partition) DO UPDATE SET
         retry_generation = projector_offsets.retry_generation + 1, updated_at = EXCLUDED.updated_at`,
      [this.version, topic, partition],
    );
  }

  async lockTenants(locks: readonly [string, boolean][]): Promise<void> {
    for (const [tenant, exclusive] of locks) {
      await this.client.query(
        exclusive
          ? 'SELECT pg_advisory_xact_lock(hashtext($1))'
          : 'SELECT pg_advisory_xact_lock_shared(hashtext($1))',
        [`careledger.read-models.v${this.version}:${tenant}`],
      );
    }
  }

  /** Store events (already-known event ids skipped); returns the ids actually inserted. */
  async insertEvents(
    parsed: readonly ParsedEvent[],
    stored: readonly string[],
    partition: number,
  ): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (let i = 0; i < parsed.length; i += CHUNK) {
      const slice = parsed.slice(i, i + CHUNK);
      const r = await this.client.query<{ event_id: string }>(
        `INSERT INTO projected_events (model_version, event_id, tenant_id, patient_id, stream_id, type, schema_version,
           global_position, occurred_at, recorded_at, event, kafka_partition, kafka_offset)
         SELECT $1::int, x.event_id, x.tenant_id, x.patient_id, x.stream_id, x.type, x.schema_version, x.global_position,
                x.occurred_at, x.recorded_at, x.event::jsonb, $2::int, x.kafka_offset
           FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::bigint[],
                       $10::timestamptz[], $11::timestamptz[], $12::text[], $13::bigint[])
             AS x(event_id, tenant_id, patient_id, stream_id, type, schema_version, global_position,
                  occurred_at, recorded_at, event, kafka_offset)
         ON CONFLICT (model_version, event_id) DO NOTHING RETURNING event_id`,
        [
          this.version,
          partition,
          slice.map((p) => p.eventId),
          slice.map((p) => p.event.tenantId),
          slice.map((p) => p.event.patientId ?? null),
          slice.map((p) =>
            p.event.patientId === undefined ? p.event.tenantId : `${p.event.tenantId}:${p.event.patientId}`,
          ),
          slice.map((p) => p.event.type),
          slice.map((p) => p.event.schemaVersion),
          slice.map((p) => p.globalPosition),
          slice.map((p) => p.event.occurredAt),
          slice.map((p) => p.event.recordedAt),
          stored.slice(i, i + CHUNK),
          slice.map((p) => p.offset),
        ],
      );
      for (const row of r.rows) inserted.add(row.event_id);
    }
    return inserted;
  }

  /** Upsert reference data (a later position wins, so order of arrival does not matter). */
  async upsertReference(events: readonly ParsedEvent[]): Promise<void> {
    for (const p of events) {
      const e = p.event;
      if (e.type !== 'OrganizationRegistered' && e.type !== 'PractitionerRegistered') continue;
      const isOrg = e.type === 'OrganizationRegistered';
      await this.client.query(
        `INSERT INTO reference_data (model_version, tenant_id, kind, ref_id, organization_id, timezone, org_kind,
           role, credential, can_bill_em, data, event_id, global_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (model_version, tenant_id, kind, ref_id) DO UPDATE SET
           organization_id = EXCLUDED.organization_id, timezone = EXCLUDED.timezone, org_kind = EXCLUDED.org_kind,
           role = EXCLUDED.role, credential = EXCLUDED.credential, can_bill_em = EXCLUDED.can_bill_em,
           data = EXCLUDED.data, event_id = EXCLUDED.event_id, global_position = EXCLUDED.global_position
         WHERE (COALESCE(reference_data.global_position, 0), reference_data.event_id::text)
             < (COALESCE(EXCLUDED.global_position, 0), EXCLUDED.event_id::text)`,
        [
          this.version,
          e.tenantId,
          isOrg ? 'organization' : 'practitioner',
          isOrg ? e.data.organizationId : e.data.practitionerId,
          e.data.organizationId,
          isOrg ? e.data.timezone : null,
          isOrg ? e.data.kind : null,
          isOrg ? null : e.data.role,
          isOrg ? null : e.data.credential,
          isOrg ? null : e.data.canBillEM,
          JSON.stringify(e.data),
          p.eventId,
          p.globalPosition,
        ],
      );
    }
  }

  /** Patients whose events name a changed practitioner/organization, or a practitioner of a changed organization. */
  async patientsReferencing(
    tenant: string,
    ids: readonly string[],
    orgs: readonly string[],
  ): Promise<string[]> {
    const r = await this.client.query<{ patient_id: string }>(
      `SELECT patient_id FROM patient_index
        WHERE model_version = $1 AND tenant_id = $2
          AND (ref_ids && $3::text[] OR organization_id = ANY($4::text[])
               OR ref_ids && ARRAY(SELECT ref_id FROM reference_data
                                    WHERE model_version = $1 AND tenant_id = $2 AND kind = 'practitioner'
                                      AND organization_id = ANY($4::text[])))`,
      [this.version, tenant, ids, orgs],
    );
    return r.rows.map((row) => row.patient_id);
  }

  /** How many reference events a tenant has (insert-only, so a count identifies the set). */
  async referenceCount(tenant: string): Promise<number> {
    const r = await this.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM projected_events WHERE model_version = $1 AND tenant_id = $2 AND patient_id IS NULL`,
      [this.version, tenant],
    );
    return r.rows[0]!.n;
  }

  /** A tenant's reference events in `projected_events` order. */
  async referenceEvents(tenant: string): Promise<ContractEvent[]> {
    const r = await this.client.query<{ event: ContractEvent }>(
      `SELECT event FROM projected_events
        WHERE model_version = $1 AND tenant_id = $2 AND patient_id IS NULL
        ORDER BY global_position NULLS LAST, recorded_at, event_id`,
      [this.version, tenant],
    );
    return r.rows.map((row) => row.event);
  }

  /** The stored events of some patients, per patient, in `projected_events` order. */
  async patientEvents(tenant: string, patients: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const byPatient = new Map<string, StoredEvent[]>();
    for (let i = 0; i < patients.length; i += 500) {
      const r = await this.client.query<{ patient_id: string; event: StoredEvent }>(
        `SELECT patient_id, event FROM projected_events
          WHERE model_version = $1 AND tenant_id = $2 AND patient_id = ANY($3::text[])
          ORDER BY patient_id, global_position NULLS LAST, recorded_at, event_id`,
        [this.version, tenant, patients.slice(i, i + 500)],
      );
      for (const row of r.rows) {
        const list = byPatient.get(row.patient_id) ?? [];
        list.push(row.event);
        byPatient.set(row.patient_id, list);
      }
    }
    return byPatient;
  }

  /** Replace the rows of some patient-months: one DELETE per table, then one INSERT per table. */
  async replaceMonths(writes: readonly MonthWrite[], deleteFirst = true): Promise<void> {
    if (writes.length === 0) return;
    if (deleteFirst) {
      for (let i = 0; i < writes.length; i += CHUNK) {
        const slice = writes.slice(i, i + CHUNK);
        const keys = [slice.map((w) => w.tenantId), slice.map((w) => w.patientId), slice.map((w) => w.month)];
        for (const table of PATIENT_MONTH_TABLES) {
          await this.client.query(
            `DELETE FROM ${table} t USING unnest($2::text[], $3::text[], $4::text[]) AS k(tenant_id, patient_id, month)
              WHERE t.model_version = $1 AND t.tenant_id = k.tenant_id AND t.patient_id = k.patient_id AND t.month = k.month`,
            [this.version, ...keys],
          );
        }
      }
    }
    const present = writes.flatMap((w) => (w.rows ? [w.rows] : []));
    for (const table of PATIENT_MONTH_TABLES) {
      const key = MONTH_ROW_KEYS[table];
      await this.insertRows(
        table,
        present.flatMap((r) => r[key] as object | object[]),
      );
    }
  }

  /** Replace the care-plan versions of some patients. */
  async replaceCarePlans(
    tenant: string,
    patients: readonly string[],
    rows: readonly object[],
    deleteFirst = true,
  ): Promise<void> {
    if (patients.length === 0) return;
    if (deleteFirst) {
      await this.client.query(
        `DELETE FROM care_plan_versions WHERE model_version = $1 AND tenant_id = $2 AND patient_id = ANY($3::text[])`,
        [this.version, tenant, patients],
      );
    }
    await this.insertRows('care_plan_versions', rows);
  }

  async upsertPatientIndex(rows: readonly PatientIndexRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const s = rows.slice(i, i + CHUNK);
      await this.client.query(
        `INSERT INTO patient_index (model_version, tenant_id, patient_id, organization_id, ref_ids, department_ids, event_count, max_position)
         SELECT $1::int, x.tenant_id, x.patient_id, x.organization_id, x.ref_ids::text[], x.department_ids::text[], x.event_count, x.max_position
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::bigint[])
             AS x(tenant_id, patient_id, organization_id, ref_ids, department_ids, event_count, max_position)
         ON CONFLICT (model_version, tenant_id, patient_id) DO UPDATE SET
           organization_id = EXCLUDED.organization_id, ref_ids = EXCLUDED.ref_ids,
           department_ids = EXCLUDED.department_ids, event_count = EXCLUDED.event_count,
           max_position = EXCLUDED.max_position`,
        [
          this.version,
          s.map((r) => r.tenant_id),
          s.map((r) => r.patient_id),
          s.map((r) => r.organization_id),
          s.map((r) => textArrayLiteral(r.ref_ids)),
          s.map((r) => textArrayLiteral(r.department_ids)),
          s.map((r) => r.event_count),
          s.map((r) => r.max_position),
        ],
      );
    }
  }

  async insertDeadLetters(rows: readonly object[]): Promise<void> {
    await this.insertRows('dead_lettered_events', rows, 'ON CONFLICT DO NOTHING');
  }

  /** Record a partition's next offset (in the transaction of the rows it produced). */
  async storeOffset(
    topic: string,
    partition: number,
    next: string,
    highWatermark: string | null,
    maxPosition: number | null,
  ): Promise<void> {
    await this.client.query(
      `INSERT INTO projector_offsets (model_version, topic, partition, next_offset, high_watermark, max_position, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
       ON CONFLICT (model_version, topic, partition) DO UPDATE SET
         next_offset = EXCLUDED.next_offset,
         high_watermark = COALESCE(EXCLUDED.high_watermark, projector_offsets.high_watermark),
         max_position = GREATEST(projector_offsets.max_position, EXCLUDED.max_position),
         updated_at = EXCLUDED.updated_at`,
      [this.version, topic, partition, next, highWatermark, maxPosition],
    );
  }
}
