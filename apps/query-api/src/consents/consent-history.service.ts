import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Principal } from '@careledger/auth';
import { type ContractEvent, instantMs, monthCalendar, type MonthCalendar } from '@careledger/domain';
import { PG_POOL, ProblemError } from '@careledger/http';
import { PatientMonthService } from '../patient-months/patient-month.service';

/** Where an instant falls against the selected month (in the billing practitioner's zone). */
export type MonthRelation = 'before' | 'during' | 'after';

/** One consent of a patient as known now, and its standing in the selected month. */
export interface ConsentRecord {
  consentId: string;
  program: string;
  billingPractitionerId: string;
  method: string;
  costSharingExplained: boolean;
  obtainedAt: string;
  revokedAt: string | null;
  episodeStartedOn: string | null;
  /** The zone of the billing practitioner's organization (months are local months there). */
  zone: string;
  /** `revoked` when a revocation takes effect before the end of the month, else `active`; `future` when obtained after it. */
  stateAtMonthEnd: 'active' | 'revoked' | 'future';
  /** Some instant of the month lies in [obtainedAt, revokedAt). */
  inForceDuringMonth: boolean;
}

/** One capture or revocation, with who recorded it and when the platform learned it. */
export interface ConsentHistoryItem {
  type: 'ConsentGranted' | 'ConsentRevoked';
  consentId: string;
  program: string | null;
  method: string | null;
  /** Valid time: `obtainedAt` of a capture, `revokedAt` of a revocation. */
  effectiveAt: string;
  recordedAt: string;
  actor: { userId: string; role: string; departmentId: string };
  globalPosition: number | null;
  relation: MonthRelation;
}

export interface ConsentHistory {
  patientId: string;
  month: string;
  consents: ConsentRecord[];
  history: ConsentHistoryItem[];
}

interface Row {
  event: ContractEvent & { globalPosition?: number };
}

/**
 * `GET .../patients/{patientId}/consents?month=`: the patient's consents and every capture and
 * revocation, from the projector's copy of the patient's events (`projected_events`), with the
 * department scope of the month endpoint. Facts as recorded; whether minutes count stays the
 * month determination's (eligibility reasons, excluded minutes).
 */
@Injectable()
export class ConsentHistoryService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly months: PatientMonthService,
  ) {}

  async get(
    tenantId: string,
    patientId: string,
    month: string,
    version: number,
    principal: Principal,
  ): Promise<ConsentHistory> {
    await this.months.assertInScope(tenantId, patientId, month, version, principal);
    const [known, events, zones] = await Promise.all([
      this.pool.query(
        `SELECT 1 FROM patient_index WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3`,
        [version, tenantId, patientId],
      ),
      this.pool.query<Row>(
        `SELECT event FROM projected_events
          WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3
            AND type IN ('ConsentGranted', 'ConsentRevoked')
          ORDER BY global_position NULLS LAST, recorded_at, event_id`,
        [version, tenantId, patientId],
      ),
      this.pool.query<{ ref_id: string; timezone: string | null }>(
        `SELECT p.ref_id, o.timezone FROM reference_data p
           LEFT JOIN reference_data o ON o.model_version = p.model_version AND o.tenant_id = p.tenant_id
                AND o.kind = 'organization' AND o.ref_id = p.organization_id
          WHERE p.model_version = $1 AND p.tenant_id = $2 AND p.kind = 'practitioner'`,
        [version, tenantId],
      ),
    ]);
    if (known.rowCount === 0 && events.rows.length === 0) {
      throw ProblemError.notFound('PATIENT.NOT_FOUND', `No patient ${patientId} in this tenant.`);
    }
    const zoneOf = new Map(zones.rows.map((r) => [r.ref_id, r.timezone ?? 'UTC']));
    return {
      patientId,
      month,
      ...consentHistoryOf(
        events.rows.map((r) => r.event),
        month,
        zoneOf,
      ),
    };
  }
}

const relationOf = (ms: number, cal: MonthCalendar): MonthRelation =>
  ms < cal.startMs ? 'before' : ms < cal.endMs ? 'during' : 'after';

/** The consents and their history from the patient's consent events (recorded order). */
export function consentHistoryOf(
  events: readonly (ContractEvent & { globalPosition?: number })[],
  month: string,
  zoneOf: ReadonlyMap<string, string>,
): Omit<ConsentHistory, 'patientId' | 'month'> {
  const consents = new Map<string, ConsentRecord>();
  const history: ConsentHistoryItem[] = [];
  for (const e of events) {
    if (e.type === 'ConsentGranted') {
      const zone = zoneOf.get(e.data.billingPractitionerId) ?? 'UTC';
      consents.set(e.data.consentId, {
        consentId: e.data.consentId,
        program: e.data.program,
        billingPractitionerId: e.data.billingPractitionerId,
        method: e.data.method,
        costSharingExplained: e.data.costSharingExplained,
        obtainedAt: e.data.obtainedAt,
        revokedAt: null,
        episodeStartedOn: e.data.episodeStartedOn ?? null,
        zone,
        stateAtMonthEnd: 'active',
        inForceDuringMonth: false,
      });
      history.push(item(e, e.data.consentId, e.data.program, e.data.method, e.data.obtainedAt, month, zone));
    } else if (e.type === 'ConsentRevoked') {
      const c = consents.get(e.data.consentId);
      if (c) c.revokedAt = e.data.revokedAt;
      const zone = c?.zone ?? 'UTC';
      history.push(
        item(e, e.data.consentId, c?.program ?? null, c?.method ?? null, e.data.revokedAt, month, zone),
      );
    }
  }
  for (const c of consents.values()) {
    const cal = monthCalendar(c.zone, month);
    const from = instantMs(c.obtainedAt);
    const to = c.revokedAt === null ? Infinity : instantMs(c.revokedAt);
    c.inForceDuringMonth = from < cal.endMs && to > cal.startMs && from < to;
    c.stateAtMonthEnd = from >= cal.endMs ? 'future' : to < cal.endMs ? 'revoked' : 'active';
  }
  history.sort(
    (a, b) => instantMs(a.effectiveAt) - instantMs(b.effectiveAt) || a.recordedAt.localeCompare(b.recordedAt),
  );
  return { consents: [...consents.values()], history };
}

function item(
  e: ContractEvent & { globalPosition?: number },
  consentId: string,
  program: string | null,
  method: string | null,
  effectiveAt: string,
  month: string,
  zone: string,
): ConsentHistoryItem {
  return {
    type: e.type as ConsentHistoryItem['type'],
    consentId,
    program,
    method,
    effectiveAt,
    recordedAt: e.recordedAt,
    actor: { userId: e.actor.userId, role: e.actor.role, departmentId: e.actor.departmentId },
    globalPosition: e.globalPosition ?? null,
    relation: relationOf(instantMs(effectiveAt), monthCalendar(zone, month)),
  };
}
