import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type Principal, readScope } from '@careledger/auth';
import type { CareLedgerConfig } from '@careledger/config';
import { type ContractEvent, determineMonth, type ReferenceData } from '@careledger/domain';
import { CONFIG, PG_POOL, ProblemError } from '@careledger/http';

/** Injection token of the ICD-10-CM reference data (loaded once at boot). */
export const REFERENCE_DATA = Symbol('REFERENCE_DATA');

/**
 * `GET .../patients/{patientId}/months/{YYYY-MM}`: the stored determination, or with `asOf` the same
 * pure `determineMonth` over the projector's copy of the events (ADR 0501), so a past answer is
 * reproduced from what was known then. A month without a stored row (e.g. an APCM month without any
 * activity) is computed on demand the same way.
 */
@Injectable()
export class PatientMonthService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  async get(
    tenantId: string,
    patientId: string,
    month: string,
    version: number,
    asOf: string | null,
    principal: Principal,
  ): Promise<unknown> {
    await this.assertInScope(tenantId, patientId, month, version, principal);
    if (asOf === null) {
      const r = await this.pool.query<{ determination: unknown }>(
        `SELECT determination FROM month_determinations
          WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3 AND month = $4`,
        [version, tenantId, patientId, month],
      );
      if (r.rows[0]) return r.rows[0].determination;
    }
    const events = await this.pool.query<{ event: ContractEvent; patient_id: string | null }>(
      `SELECT event, patient_id FROM projected_events
        WHERE model_version = $1 AND tenant_id = $2 AND (patient_id = $3 OR patient_id IS NULL)
          AND ($4::timestamptz IS NULL OR recorded_at <= $4::timestamptz)
        ORDER BY global_position NULLS LAST, recorded_at, event_id`,
      [version, tenantId, patientId, asOf],
    );
    if (!events.rows.some((r) => r.patient_id === patientId)) {
      const known = await this.pool.query(
        `SELECT 1 FROM patient_index WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3`,
        [version, tenantId, patientId],
      );
      if (known.rowCount === 0) throw patientNotFound(patientId);
    }
    try {
      return determineMonth(
        events.rows.map((r) => r.event),
        { patientId, month, asOf, reference: this.reference, policy: this.config.exclusiveChoicePolicy },
      );
    } catch (err) {
      const e = err as { code?: string; field?: string; message?: string };
      if (e.code === 'RULES.MISSING' || e.code === 'RULES.BAD_INPUT') {
        throw ProblemError.badRequest(e.code, [
          { field: e.field ?? 'month', message: e.message ?? 'invalid' },
        ]);
      }
      throw err;
    }
  }

  /**
   * Department scope (ADR 0804): a clinical caller sees a patient's month when one of its departments
   * acted on that month (the stored determination's departments), or, for a month without a stored
   * row, on the patient. Outside the scope the answer is the absent patient's 404, word for word.
   * Also the consent history's scope (`ConsentHistoryService`).
   */
  async assertInScope(
    tenantId: string,
    patientId: string,
    month: string,
    version: number,
    principal: Principal,
  ): Promise<void> {
    const scope = readScope(principal);
    if (scope === 'tenant') return;
    const r = await this.pool.query(
      `SELECT 1 FROM month_determinations
        WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3 AND month = $4 AND department_ids && $5::text[]
       UNION ALL
       SELECT 1 FROM patient_index p
        WHERE p.model_version = $1 AND p.tenant_id = $2 AND p.patient_id = $3 AND p.department_ids && $5::text[]
          AND NOT EXISTS (SELECT 1 FROM month_determinations m WHERE m.model_version = $1
                            AND m.tenant_id = $2 AND m.patient_id = $3 AND m.month = $4)
       LIMIT 1`,
      [version, tenantId, patientId, month, [...scope]],
    );
    if (r.rowCount === 0) throw patientNotFound(patientId);
  }
}

/** The one answer for a patient that is absent or outside the caller's scope. */
function patientNotFound(patientId: string): ProblemError {
  return ProblemError.notFound('PATIENT.NOT_FOUND', `No patient ${patientId} in this tenant.`);
}
