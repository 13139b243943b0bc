import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  monthCloseStates,
  restatementsSinceClose,
  type ContractEvent,
  type DeterminedMonth,
  type MonthClosed,
  type RestatementDiff,
} from '@careledger/domain';
import { PG_POOL } from '@careledger/http';

/** Where one organization's month stands for the billing office (ADR 0615). */
export type MonthStatus = 'open' | 'closed' | 'sent' | 'acknowledged' | 'restated';

export interface OpenRestatement {
  restatementId: string;
  patientId: string;
  ageHours: number;
  reverse: { code: string; units: number }[];
  add: { code: string; units: number }[];
  /** Why (rule, minutes and units before/after, entries added/removed), as the feed recorded it. */
  explanation: RestatementDiff['explanation'];
}

export interface OrganizationMonth {
  organizationId: string;
  month: string;
  status: MonthStatus;
  closeId: string | null;
  closedAt: string | null;
  replayDigest: string | null;
  messages: { total: number; acknowledged: number; pending: number; deadLettered: number };
  /** Units per code: as closed, and net of every acknowledged message (charges minus reversals). */
  totals: { code: string; closedUnits: number; acknowledgedUnits: number }[];
  openRestatements: OpenRestatement[];
  /**
   * What changed since the close in force, live from the projector's billing lines through the
   * domain's `restatementsSinceClose` (the function the audit replay's `restatements` call): the
   * closed lines to reverse, the lines to add and why, before any charge-feed run. Empty when open.
   */
  changesSinceClose: Omit<RestatementDiff, 'after'>[];
}

interface BillingLineRow {
  patient_id: string;
  code: string;
  units: number;
  practitioner_id: string;
  program: string | null;
  service_date: string | null;
  rule: string | null;
  counted_minutes: number | null;
  entry_ids: string[];
}

/** The projector's billing lines of a month as determinations (the shape the close reads). */
function determinationsOf(rows: readonly BillingLineRow[], month: string): DeterminedMonth[] {
  const byPatient = new Map<string, DeterminedMonth>();
  for (const r of rows) {
    const d = byPatient.get(r.patient_id) ?? { patientId: r.patient_id, month, lines: [] };
    (d.lines as DeterminedMonth['lines'][number][]).push({
      code: r.code,
      units: r.units,
      practitionerId: r.practitioner_id,
      program: r.program ?? '',
      ...(r.service_date ? { date: r.service_date } : {}),
      explanation: { rule: r.rule ?? '', countedMinutes: r.counted_minutes ?? 0, entryIds: r.entry_ids },
    });
    byPatient.set(r.patient_id, d);
  }
  return [...byPatient.values()];
}

/**
 * The billing-office view: per organization of the tenant, its month's close (the projector's copy
 * of the tenant stream), the charge messages and the restatements (the charge feed's tables).
 */
@Injectable()
export class BillingOfficeService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async month(tenantId: string, month: string, version: number, now: Date): Promise<OrganizationMonth[]> {
    const [events, orgs, messages, restatements, lines, practitioners] = await Promise.all([
      this.pool.query<{ event: ContractEvent }>(
        `SELECT event FROM projected_events
          WHERE model_version = $1 AND tenant_id = $2 AND patient_id IS NULL AND type IN ('MonthClosed', 'MonthReopened')
          ORDER BY global_position`,
        [version, tenantId],
      ),
      this.pool.query<{ ref_id: string }>(
        `SELECT ref_id FROM reference_data WHERE model_version = $1 AND tenant_id = $2 AND kind = 'organization' ORDER BY ref_id`,
        [version, tenantId],
      ),
      this.pool.query<{
        organization_id: string;
        close_id: string;
        status: string;
        units_by_code: Record<string, number>;
      }>(
        `SELECT organization_id, close_id, status, units_by_code FROM charge_messages WHERE tenant_id = $1 AND month = $2`,
        [tenantId, month],
      ),
      this.pool.query<{
        organization_id: string;
        close_id: string;
        restatement_id: string;
        patient_id: string;
        status: string;
        created_at: Date;
        diff: {
          reverse: { code: string; units: number }[];
          add: { code: string; units: number }[];
          explanation?: RestatementDiff['explanation'];
        };
      }>(
        `SELECT organization_id, close_id, restatement_id, patient_id, status, created_at, diff
           FROM charge_restatements WHERE tenant_id = $1 AND month = $2 ORDER BY created_at, restatement_id`,
        [tenantId, month],
      ),
      this.pool.query<BillingLineRow>(
        `SELECT patient_id, code, units, practitioner_id, program, service_date, rule, counted_minutes, entry_ids
           FROM billing_lines WHERE model_version = $1 AND tenant_id = $2 AND month = $3
          ORDER BY patient_id, line_no`,
        [version, tenantId, month],
      ),
      this.pool.query<{ ref_id: string; organization_id: string }>(
        `SELECT ref_id, organization_id FROM reference_data
          WHERE model_version = $1 AND tenant_id = $2 AND kind = 'practitioner'`,
        [version, tenantId],
      ),
    ]);
    const determinations = determinationsOf(lines.rows, month);
    const practitionerOrganization = new Map(practitioners.rows.map((r) => [r.ref_id, r.organization_id]));
    const states = monthCloseStates(events.rows.map((r) => r.event));
    const ids = new Set(orgs.rows.map((r) => r.ref_id));
    for (const s of states.values()) if (s.month === month) ids.add(s.organizationId);
    return [...ids].sort().map((organizationId) => {
      const close: MonthClosed | null = states.get(`${organizationId}|${month}`)?.current ?? null;
      const closeId = close?.data.closeId ?? null;
      const own = messages.rows.filter((m) => m.organization_id === organizationId && m.close_id === closeId);
      const count = (status: string) => own.filter((m) => m.status === status).length;
      const closedUnits = new Map<string, number>();
      for (const p of close?.data.patients ?? [])
        for (const l of p.lines) closedUnits.set(l.code, (closedUnits.get(l.code) ?? 0) + l.units);
      const acknowledgedUnits = new Map<string, number>();
      for (const m of own.filter((x) => x.status === 'acknowledged'))
        for (const [code, n] of Object.entries(m.units_by_code))
          acknowledgedUnits.set(code, (acknowledgedUnits.get(code) ?? 0) + n);
      const codes = [...new Set([...closedUnits.keys(), ...acknowledgedUnits.keys()])].sort();
      const open = restatements.rows.filter(
        (r) => r.organization_id === organizationId && r.close_id === closeId && r.status === 'open',
      );
      const summary = (lines: { code: string; units: number }[]) =>
        lines.map((l) => ({ code: l.code, units: l.units }));
      const status: MonthStatus = !close
        ? 'open'
        : open.length > 0
          ? 'restated'
          : own.length === 0
            ? 'closed'
            : count('acknowledged') === own.length
              ? 'acknowledged'
              : 'sent';
      return {
        organizationId,
        month,
        status,
        closeId,
        closedAt: close?.recordedAt ?? null,
        replayDigest: close?.data.replayDigest ?? null,
        messages: {
          total: own.length,
          acknowledged: count('acknowledged'),
          pending: count('pending'),
          deadLettered: count('dead_lettered'),
        },
        totals: codes.map((code) => ({
          code,
          closedUnits: closedUnits.get(code) ?? 0,
          acknowledgedUnits: acknowledgedUnits.get(code) ?? 0,
        })),
        openRestatements: open.map((r) => ({
          restatementId: r.restatement_id,
          patientId: r.patient_id,
          ageHours: Math.max(0, Math.floor((now.getTime() - r.created_at.getTime()) / 3_600_000)),
          reverse: summary(r.diff.reverse),
          add: summary(r.diff.add),
          explanation: r.diff.explanation ?? [],
        })),
        changesSinceClose: close
          ? restatementsSinceClose(close.data, determinations, practitionerOrganization).map(
              ({ after: _after, ...diff }) => diff,
            )
          : [],
      };
    });
  }
}

/** The view flattened for CSV: one row per organization and code (a row without code when none). */
export function billingOfficeCsvRows(
  months: readonly OrganizationMonth[],
): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  for (const m of months) {
    const base = {
      organizationId: m.organizationId,
      month: m.month,
      status: m.status,
      closeId: m.closeId ?? '',
      messagesAcknowledged: m.messages.acknowledged,
      messagesPending: m.messages.pending,
      messagesDeadLettered: m.messages.deadLettered,
      openRestatements: m.openRestatements.length,
      oldestOpenRestatementHours: m.openRestatements.reduce((a, r) => Math.max(a, r.ageHours), 0),
    };
    if (m.totals.length === 0) rows.push({ ...base, code: '', closedUnits: 0, acknowledgedUnits: 0 });
    for (const t of m.totals) rows.push({ ...base, ...t });
  }
  return rows;
}
