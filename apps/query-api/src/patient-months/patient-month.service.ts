import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
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
  ): Promise<unknown> {
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
      if (known.rowCount === 0)
        throw ProblemError.notFound('PATIENT.NOT_FOUND', `No patient ${patientId} in this tenant.`);
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
}
