import type { Pool, PoolClient } from 'pg';
import type { ContractEvent, ReferenceData } from '@careledger/domain';
import { RULE_SETS, validateContractEvent } from '@careledger/domain';
import type { MonthDetermination } from '@careledger/domain/rules/month-determination';
import { carePlanVersionRows } from './projections/care-plan-versions.projection';
import { monthsByEvent, PATIENT_WIDE_EVENT_TYPES } from './projections/months-touched';
import { derivePatientMonthRows, patientMonthContext } from './projections/patient-month.projection';
import { PATIENT_MONTH_TABLES, type PatientMonthRows } from './projections/read-model-rows';
import { insertSql, type ColumnTable } from './table-columns';

/** Name of the single `projection_state` row that points at the active read-model version. */
export const PROJECTION_NAME = 'read-models';

/** The pure month function the projector calls (the RULES engine's `determineMonth`). */
export type DetermineMonthFn = (
  events: readonly ContractEvent[],
  opts: {
    patientId: string;
    month: string;
    asOf?: string | null;
    reference: ReferenceData;
    policy?: 'higher_value';
  },
) => MonthDetermination;

/** A Kafka message as the engine needs it (kafkajs' `KafkaMessage` fits). */
export interface EngineMessage {
  offset: string;
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown> | undefined;
}

/** Why a message was parked on the dead-letter topic. Never carries PHI: codes and field paths only. */
export class PoisonEventError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'PoisonEventError';
  }
}

/** The row of `projection_state`. */
export interface ProjectionState {
  activeVersion: number;
  buildingVersion: number | null;
}

/** Outcome of one batch. */
export interface BatchResult {
  /** True when the guard refused the version (e.g. a rebuild switched it): nothing was written. */
  stale: boolean;
  /** Offset after the last message handled (what Kafka should resume from), as a string. */
  nextOffset: string | null;
  applied: number;
  duplicates: number;
  deadLettered: number;
  recomputedMonths: number;
}

/** Dependencies of the engine; the month function and reference data are injected (ADR 0501). */
export interface ProjectionEngineOptions {
  pool: Pool;
  determine: DetermineMonthFn;
  reference: ReferenceData;
  policy?: 'higher_value';
  /** Park a poison message (INFRA's `publishToDlq`); called before the PostgreSQL commit. */
  deadLetter(
    message: EngineMessage,
    error: PoisonEventError,
    source: { topic: string; partition: number },
  ): Promise<void>;
  /** Ids-only log sink for months the rules could not determine. */
  onMonthError?(info: { tenantId: string; patientId: string; month: string; code: string }): void;
}

interface ParsedEvent {
  offset: string;
  eventId: string;
  globalPosition: number | null;
  event: ContractEvent;
  metadata: Record<string, unknown>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENVELOPE_KEYS = [
  'type',
  'schemaVersion',
  'tenantId',
  'patientId',
  'occurredAt',
  'recordedAt',
  'actor',
  'data',
];
const CHUNK = 2_000;

/**
 * Parse and validate one Kafka value: JSON, the platform metadata (`eventId`, `globalPosition`) and
 * the contract envelope through DOMAIN's `validateContractEvent` (which upcasts older versions).
 * Throws `PoisonEventError` (code `PROJECTOR.*` or `EVENT.INVALID`) naming fields, never values.
 */
export function parseEventMessage(message: EngineMessage): ParsedEvent {
  if (!message.value || message.value.length === 0)
    throw new PoisonEventError('PROJECTOR.EMPTY', 'message has no value');
  let raw: unknown;
  try {
    raw = JSON.parse(message.value.toString('utf8'));
  } catch {
    throw new PoisonEventError('PROJECTOR.UNPARSABLE', 'message value is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PoisonEventError('PROJECTOR.NOT_AN_EVENT', 'message value is not a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const eventId = obj['eventId'];
  if (typeof eventId !== 'string' || !UUID_RE.test(eventId)) {
    throw new PoisonEventError('PROJECTOR.NO_EVENT_ID', 'eventId must be a UUID', [
      { field: 'eventId', message: 'must be a UUID' },
    ]);
  }
  const gp = obj['globalPosition'];
  if (gp !== undefined && gp !== null && !(Number.isSafeInteger(gp) && (gp as number) >= 1)) {
    throw new PoisonEventError('PROJECTOR.BAD_POSITION', 'globalPosition must be a positive integer', [
      { field: 'globalPosition', message: 'must be a positive integer' },
    ]);
  }
  const envelope: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (ENVELOPE_KEYS.includes(k)) envelope[k] = v;
    else metadata[k] = v;
  }
  let event: ContractEvent;
  try {
    event = validateContractEvent(envelope);
  } catch (err) {
    const e = err as { code?: string; issues?: { field: string; message: string }[]; message?: string };
    if (e.code === 'EVENT.INVALID' || Array.isArray(e.issues)) {
      const issues = e.issues ?? [];
      throw new PoisonEventError(
        'EVENT.INVALID',
        `invalid event: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`.slice(0, 480),
        issues,
      );
    }
    throw new PoisonEventError(e.code ?? 'EVENT.INVALID', 'event could not be validated');
  }
  return {
    offset: message.offset,
    eventId: eventId.toLowerCase(),
    globalPosition: (gp as number) ?? null,
    event,
    metadata,
  };
}

/** Read the active/building version. `lock` takes FOR SHARE (a batch) or FOR UPDATE (a switch). */
export async function readProjectionState(
  client: Pick<PoolClient, 'query'>,
  lock: '' | 'FOR SHARE' | 'FOR UPDATE' = '',
): Promise<ProjectionState> {
  const r = await client.query<{ active_version: number; building_version: number | null }>(
    `SELECT active_version, building_version FROM projection_state WHERE name = $1 ${lock}`,
    [PROJECTION_NAME],
  );
  const row = r.rows[0];
  if (!row) throw new Error('projection_state has no row: run the read-model migrations');
  return { activeVersion: row.active_version, buildingVersion: row.building_version };
}

async function insertRows(
  client: PoolClient,
  table: ColumnTable,
  version: number,
  rows: readonly object[],
  onConflict = '',
) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await client.query(insertSql(table, onConflict), [version, JSON.stringify(rows.slice(i, i + CHUNK))]);
  }
}

function eventRefIds(e: ContractEvent): string[] {
  const d = e.data as Record<string, unknown>;
  const ids: string[] = [];
  for (const k of ['organizationId', 'practitionerId', 'billingPractitionerId', 'performerId', 'authorId']) {
    if (typeof d[k] === 'string') ids.push(d[k]);
  }
  return ids;
}

/**
 * The projector's batch step (ADR 0501): in ONE PostgreSQL transaction it stores the consumed events
 * (skipping event ids already applied), updates reference data, recomputes every patient-month whose
 * inputs changed with the injected `determine` (no billing logic here), rewrites those months' rows,
 * and records the consumed offset. Offsets live in PostgreSQL, so a crash anywhere before COMMIT
 * leaves nothing behind and a redelivery is applied exactly once.
 */
export class ProjectionEngine {
  constructor(private readonly opts: ProjectionEngineOptions) {}

  /**
   * Apply one partition's messages to `version`. `guard` sees the locked `projection_state` row and
   * returns false when this consumer must not write `version` any more (a rebuild switched it): the
   * transaction is rolled back and `stale` is returned.
   */
  async applyBatch(args: {
    version: number;
    topic: string;
    partition: number;
    messages: readonly EngineMessage[];
    highWatermark?: string | null;
    guard?: (state: ProjectionState) => boolean;
  }): Promise<BatchResult> {
    const { version, topic, partition } = args;
    const client = await this.opts.pool.connect();
    const result: BatchResult = {
      stale: false,
      nextOffset: null,
      applied: 0,
      duplicates: 0,
      deadLettered: 0,
      recomputedMonths: 0,
    };
    try {
      await client.query('BEGIN');
      const state = await readProjectionState(client, 'FOR SHARE');
      if (args.guard && !args.guard(state)) {
        await client.query('ROLLBACK');
        return { ...result, stale: true };
      }
      const off = await client.query<{ next_offset: string }>(
        `SELECT next_offset FROM projector_offsets WHERE model_version = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        [version, topic, partition],
      );
      const stored = off.rows[0] ? BigInt(off.rows[0].next_offset) : 0n;
      const fresh = args.messages.filter((m) => BigInt(m.offset) >= stored);
      if (fresh.length === 0) {
        await client.query('COMMIT');
        return { ...result, nextOffset: stored.toString(), duplicates: args.messages.length };
      }

      const parsed: ParsedEvent[] = [];
      const dead: { row: object; message: EngineMessage; error: PoisonEventError }[] = [];
      const seen = new Set<string>();
      for (const m of fresh) {
        try {
          const p = parseEventMessage(m);
          if (seen.has(p.eventId)) {
            result.duplicates++;
            continue;
          }
          seen.add(p.eventId);
          parsed.push(p);
        } catch (err) {
          const error =
            err instanceof PoisonEventError ? err : new PoisonEventError('PROJECTOR.FAILED', 'unexpected');
          let raw: Record<string, unknown> = {};
          try {
            raw = JSON.parse(m.value?.toString('utf8') ?? '') as Record<string, unknown>;
          } catch {
            /* unparsable: no ids to keep */
          }
          const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
          dead.push({
            message: m,
            error,
            row: {
              topic,
              partition,
              kafka_offset: m.offset,
              event_id: str(raw?.['eventId']),
              tenant_id: str(raw?.['tenantId']),
              global_position: Number.isSafeInteger(raw?.['globalPosition']) ? raw['globalPosition'] : null,
              error_code: error.code,
              error: { code: error.code, message: error.message, issues: error.issues },
            },
          });
        }
      }

      // 0. Per-tenant advisory locks, in sorted order: a batch that changes reference data takes its
      //    tenant exclusively, others share it. Without this, two partitions projected concurrently
      //    could each miss the other's uncommitted half (a patient-month computed without a
      //    practitioner registered at the same moment on another partition) and never recompute.
      const tenantLocks = new Map<string, boolean>();
      for (const p of parsed) {
        const isRef = p.event.patientId === undefined;
        tenantLocks.set(p.event.tenantId, (tenantLocks.get(p.event.tenantId) ?? false) || isRef);
      }
      for (const tenant of [...tenantLocks.keys()].sort()) {
        await client.query(
          tenantLocks.get(tenant)
            ? 'SELECT pg_advisory_xact_lock(hashtext($1))'
            : 'SELECT pg_advisory_xact_lock_shared(hashtext($1))',
          [`careledger.read-models.v${version}:${tenant}`],
        );
      }

      // 1. The projector's own copy of every event; already-known event ids are skipped.
      const inserted = new Set<string>();
      for (let i = 0; i < parsed.length; i += CHUNK) {
        const rows = parsed.slice(i, i + CHUNK).map((p) => ({
          event_id: p.eventId,
          tenant_id: p.event.tenantId,
          patient_id: p.event.patientId ?? null,
          stream_id:
            p.event.patientId === undefined ? p.event.tenantId : `${p.event.tenantId}:${p.event.patientId}`,
          type: p.event.type,
          schema_version: p.event.schemaVersion,
          global_position: p.globalPosition,
          occurred_at: p.event.occurredAt,
          recorded_at: p.event.recordedAt,
          event: { ...p.event, ...p.metadata, eventId: p.eventId },
          kafka_partition: partition,
          kafka_offset: p.offset,
        }));
        const r = await client.query<{ event_id: string }>(
          `${insertSql('projected_events', 'ON CONFLICT (model_version, event_id) DO NOTHING')} RETURNING event_id`,
          [version, JSON.stringify(rows)],
        );
        for (const row of r.rows) inserted.add(row.event_id);
      }
      const applied = parsed.filter((p) => inserted.has(p.eventId));
      result.applied = applied.length;
      result.duplicates += parsed.length - applied.length;

      // 2. Reference data, and the patients whose months depend on what changed.
      const affected = new Map<string, Map<string, boolean>>(); // tenant -> patient -> recompute all months
      const mark = (tenant: string, patient: string, all: boolean) => {
        const t = affected.get(tenant) ?? new Map<string, boolean>();
        t.set(patient, (t.get(patient) ?? false) || all);
        affected.set(tenant, t);
      };
      const refChanges = new Map<string, { ids: Set<string>; orgs: Set<string> }>();
      for (const p of applied) {
        const e = p.event;
        if (e.type === 'OrganizationRegistered' || e.type === 'PractitionerRegistered') {
          const isOrg = e.type === 'OrganizationRegistered';
          const refId = isOrg ? e.data.organizationId : e.data.practitionerId;
          await client.query(
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
              version,
              e.tenantId,
              isOrg ? 'organization' : 'practitioner',
              refId,
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
          const c = refChanges.get(e.tenantId) ?? { ids: new Set<string>(), orgs: new Set<string>() };
          c.ids.add(refId);
          if (isOrg) c.orgs.add(refId);
          refChanges.set(e.tenantId, c);
        } else if (e.patientId !== undefined) {
          mark(e.tenantId, e.patientId, PATIENT_WIDE_EVENT_TYPES.has(e.type));
        }
      }
      for (const [tenant, change] of refChanges) {
        const r = await client.query<{ patient_id: string }>(
          `SELECT patient_id FROM patient_index
            WHERE model_version = $1 AND tenant_id = $2
              AND (ref_ids && $3::text[] OR organization_id = ANY($4::text[])
                   OR ref_ids && ARRAY(SELECT ref_id FROM reference_data
                                        WHERE model_version = $1 AND tenant_id = $2 AND kind = 'practitioner'
                                          AND organization_id = ANY($4::text[])))`,
          [version, tenant, [...change.ids], [...change.orgs]],
        );
        for (const row of r.rows) mark(tenant, row.patient_id, true);
      }
      const newIds = new Set(applied.map((p) => p.eventId));

      // 3. Recompute the affected patient-months with the rules engine.
      for (const [tenant, patients] of affected) {
        result.recomputedMonths += await this.recomputeTenant(client, version, tenant, patients, newIds);
      }

      // 4. Poison events: DLQ first (at-least-once), then the record of it in this transaction.
      for (const d of dead) await this.opts.deadLetter(d.message, d.error, { topic, partition });
      await insertRows(
        client,
        'dead_lettered_events',
        version,
        dead.map((d) => d.row),
        'ON CONFLICT DO NOTHING',
      );
      result.deadLettered = dead.length;

      // 5. The consumed offset, in the same transaction as the rows it produced.
      const last = fresh[fresh.length - 1]!;
      const next = (BigInt(last.offset) + 1n).toString();
      const maxPos = applied.reduce<number | null>(
        (m, p) => (p.globalPosition !== null && (m === null || p.globalPosition > m) ? p.globalPosition : m),
        null,
      );
      await client.query(
        `INSERT INTO projector_offsets (model_version, topic, partition, next_offset, high_watermark, max_position, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
         ON CONFLICT (model_version, topic, partition) DO UPDATE SET
           next_offset = EXCLUDED.next_offset,
           high_watermark = COALESCE(EXCLUDED.high_watermark, projector_offsets.high_watermark),
           max_position = GREATEST(projector_offsets.max_position, EXCLUDED.max_position),
           updated_at = EXCLUDED.updated_at`,
        [version, topic, partition, next, args.highWatermark ?? null, maxPos],
      );
      await client.query('COMMIT');
      result.nextOffset = next;
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async recomputeTenant(
    client: PoolClient,
    version: number,
    tenant: string,
    patients: Map<string, boolean>,
    newIds: Set<string>,
  ): Promise<number> {
    const refRes = await client.query<{ event: ContractEvent }>(
      `SELECT event FROM projected_events
        WHERE model_version = $1 AND tenant_id = $2 AND patient_id IS NULL
        ORDER BY global_position NULLS LAST, recorded_at, event_id`,
      [version, tenant],
    );
    const referenceEvents = refRes.rows.map((r) => r.event);
    const ids = [...patients.keys()].sort();
    const monthRows: PatientMonthRows[] = [];
    const monthKeys: { patient: string; month: string }[] = [];
    const carePlanPatients: string[] = [];
    const carePlanRows: object[] = [];
    const indexRows: object[] = [];

    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      const evRes = await client.query<{ patient_id: string; event: ContractEvent & { eventId: string } }>(
        `SELECT patient_id, event FROM projected_events
          WHERE model_version = $1 AND tenant_id = $2 AND patient_id = ANY($3::text[])
          ORDER BY patient_id, global_position NULLS LAST, recorded_at, event_id`,
        [version, tenant, slice],
      );
      const byPatient = new Map<string, (ContractEvent & { eventId: string })[]>();
      for (const r of evRes.rows) {
        const list = byPatient.get(r.patient_id) ?? [];
        list.push(r.event);
        byPatient.set(r.patient_id, list);
      }
      for (const patientId of slice) {
        const events = byPatient.get(patientId) ?? [];
        const all = patients.get(patientId) ?? false;
        const months = monthsByEvent(events);
        const allMonths = new Set<string>();
        const deptsByMonth = new Map<string, Set<string>>();
        const recompute = new Set<string>();
        let carePlanChanged = false;
        events.forEach((e, idx) => {
          for (const m of months[idx]!) {
            allMonths.add(m);
            const s = deptsByMonth.get(m) ?? new Set<string>();
            if (e.actor?.departmentId) s.add(e.actor.departmentId);
            deptsByMonth.set(m, s);
            if (newIds.has(e.eventId)) recompute.add(m);
          }
          if (newIds.has(e.eventId) && (e.type === 'CarePlanEstablished' || e.type === 'CarePlanRevised')) {
            carePlanChanged = true;
          }
        });
        // Months without a shipped rule set (diagnoses years back, say) have no determination; the
        // rules would only throw RULES.MISSING for them, so they are not asked.
        const toCompute = [...(all ? allMonths : recompute)].filter((m) => `CY${m.slice(0, 4)}` in RULE_SETS);
        const input = [...referenceEvents, ...events];
        // Zones and entry splits do not depend on the month: folded once per patient, not per month.
        const context = toCompute.length > 0 ? patientMonthContext(referenceEvents, events) : undefined;
        for (const month of toCompute.sort()) {
          monthKeys.push({ patient: patientId, month });
          let determination: MonthDetermination;
          try {
            determination = this.opts.determine(input, {
              patientId,
              month,
              asOf: null,
              reference: this.opts.reference,
              policy: this.opts.policy ?? 'higher_value',
            });
          } catch (err) {
            // A month outside the shipped rule sets (RULES.MISSING) has no determination; any other
            // failure is deterministic too (same events, same error), so skipping keeps rebuilds equal.
            const code = (err as { code?: string }).code ?? 'RULES.FAILED';
            if (code !== 'RULES.MISSING')
              this.opts.onMonthError?.({ tenantId: tenant, patientId, month, code });
            continue;
          }
          monthRows.push(
            derivePatientMonthRows({
              tenantId: tenant,
              patientId,
              month,
              determination,
              patientEvents: events,
              referenceEvents,
              departmentIds: [...(deptsByMonth.get(month) ?? [])],
              context,
            }),
          );
        }
        if (carePlanChanged || all) {
          carePlanPatients.push(patientId);
          carePlanRows.push(...carePlanVersionRows(tenant, patientId, events));
        }
        let org: string | null = null;
        const refIds = new Set<string>();
        const depts = new Set<string>();
        let maxPos: number | null = null;
        for (const e of events) {
          if (e.type === 'PatientRegistered') org = e.data.organizationId;
          for (const id of eventRefIds(e)) refIds.add(id);
          if (e.actor?.departmentId) depts.add(e.actor.departmentId);
          const gp = (e as { globalPosition?: number | null }).globalPosition;
          if (typeof gp === 'number' && (maxPos === null || gp > maxPos)) maxPos = gp;
        }
        indexRows.push({
          tenant_id: tenant,
          patient_id: patientId,
          organization_id: org,
          ref_ids: [...refIds].sort(),
          department_ids: [...depts].sort(),
          event_count: events.length,
          max_position: maxPos,
        });
      }
    }

    // Delete + insert per recomputed patient-month, one statement per table.
    for (let i = 0; i < monthKeys.length; i += CHUNK) {
      const slice = monthKeys.slice(i, i + CHUNK);
      const ps = slice.map((k) => k.patient);
      const ms = slice.map((k) => k.month);
      for (const table of PATIENT_MONTH_TABLES) {
        await client.query(
          `DELETE FROM ${table} t USING unnest($3::text[], $4::text[]) AS k(patient_id, month)
            WHERE t.model_version = $1 AND t.tenant_id = $2 AND t.patient_id = k.patient_id AND t.month = k.month`,
          [version, tenant, ps, ms],
        );
      }
    }
    await insertRows(
      client,
      'month_determinations',
      version,
      monthRows.map((r) => r.determination),
    );
    await insertRows(
      client,
      'monthly_minutes',
      version,
      monthRows.flatMap((r) => r.monthlyMinutes),
    );
    await insertRows(
      client,
      'provider_of_record',
      version,
      monthRows.flatMap((r) => r.providerOfRecord),
    );
    await insertRows(
      client,
      'eligibility',
      version,
      monthRows.flatMap((r) => r.eligibility),
    );
    await insertRows(
      client,
      'billing_lines',
      version,
      monthRows.flatMap((r) => r.billingLines),
    );
    await insertRows(
      client,
      'excluded_entries',
      version,
      monthRows.flatMap((r) => r.excludedEntries),
    );
    await insertRows(
      client,
      'worklist',
      version,
      monthRows.flatMap((r) => r.worklist),
    );
    await insertRows(
      client,
      'conflicts',
      version,
      monthRows.flatMap((r) => r.conflicts),
    );

    if (carePlanPatients.length > 0) {
      await client.query(
        `DELETE FROM care_plan_versions WHERE model_version = $1 AND tenant_id = $2 AND patient_id = ANY($3::text[])`,
        [version, tenant, carePlanPatients],
      );
      await insertRows(client, 'care_plan_versions', version, carePlanRows);
    }
    for (let i = 0; i < indexRows.length; i += CHUNK) {
      await client.query(
        `INSERT INTO patient_index (model_version, tenant_id, patient_id, organization_id, ref_ids, department_ids, event_count, max_position)
         SELECT $1::int, tenant_id, patient_id, organization_id, ref_ids, department_ids, event_count, max_position
           FROM jsonb_to_recordset($2::jsonb) AS x(tenant_id text, patient_id text, organization_id text,
                ref_ids text[], department_ids text[], event_count integer, max_position bigint)
         ON CONFLICT (model_version, tenant_id, patient_id) DO UPDATE SET
           organization_id = EXCLUDED.organization_id, ref_ids = EXCLUDED.ref_ids,
           department_ids = EXCLUDED.department_ids, event_count = EXCLUDED.event_count,
           max_position = EXCLUDED.max_position`,
        [version, JSON.stringify(indexRows.slice(i, i + CHUNK))],
      );
    }
    return monthKeys.length;
  }
}
