import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  buildDftP03,
  ChargeFeedReferenceError,
  lineKey,
  type ChargeEntry,
  type ChargeParties,
  type ClosedLineData,
  type ClosedPatientMonthData,
  type FeeSchedule,
  type MonthClosed,
  type RestatementDiff,
} from '@careledger/domain';

/**
 * Charge messages (ADR 0612): built once from a close or a restatement, stored with their HL7 text,
 * then delivered (MLLP) or exported (files) from the store. Control ids are derived from what the
 * message carries (source, patient, billing practitioner), and the table's unique key refuses a second
 * message for the same lines, so a charge never goes out under two control ids.
 */

/** Identifiers from the reference data (tenant stream and patient registrations). */
export interface ChargeReference {
  organizations: ReadonlyMap<string, { npi: string | null; tin: string | null }>;
  practitioners: ReadonlyMap<string, { npi: string | null }>;
  ehrPatientIds: ReadonlyMap<string, string>;
}

/** Where the messages go (MSH-5/MSH-6) and when they were made (MSH-7). */
export interface BuildOptions {
  receiver: { application: string; facility: string };
  now: string;
  /** The fee data FT1-11/12 are priced from (null: none; every FT1 says so). */
  fees: FeeSchedule | null;
}

/** `CL` + 18 hex digits of SHA-256 over the source and the parties: 20 characters (MSH-10 is ST 20). */
export function controlIdFor(
  tenantId: string,
  sourceId: string,
  patientId: string,
  practitionerId: string,
): string {
  return `CL${createHash('sha256').update(`${tenantId}\u0000${sourceId}\u0000${patientId}\u0000${practitionerId}`).digest('hex').slice(0, 18).toUpperCase()}`;
}

interface Transaction {
  key: string;
  transactionId: string;
  kind: ChargeEntry['kind'];
}

function partiesOf(
  ref: ChargeReference,
  organizationId: string,
  practitionerId: string,
  patientId: string,
): ChargeParties {
  const org = ref.organizations.get(organizationId);
  return {
    organization: { organizationId, npi: org?.npi ?? null, tin: org?.tin ?? null },
    billingPractitioner: { practitionerId, npi: ref.practitioners.get(practitionerId)?.npi ?? null },
    patient: { patientId, ehrPatientId: ref.ehrPatientIds.get(patientId) ?? null },
  };
}

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
};

async function insertMessage(
  client: Pool | PoolClient,
  row: {
    controlId: string;
    tenantId: string;
    close: MonthClosed['data'];
    sourceId: string;
    restatementId: string | null;
    patientId: string;
    practitionerId: string;
    originalControlId: string | null;
    text: string;
    unitsByCode: Record<string, number>;
    transactions: Transaction[];
  },
): Promise<boolean> {
  const r = await client.query(
    `INSERT INTO charge_messages (control_id, tenant_id, organization_id, month, close_id, source_id, restatement_id,
       patient_id, practitioner_id, original_control_id, hl7, units_by_code, transactions)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT DO NOTHING`,
    [
      row.controlId,
      row.tenantId,
      row.close.organizationId,
      row.close.month,
      row.close.closeId,
      row.sourceId,
      row.restatementId,
      row.patientId,
      row.practitionerId,
      row.originalControlId,
      row.text,
      JSON.stringify(row.unitsByCode),
      JSON.stringify(row.transactions),
    ],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Build and store the messages of a close: one DFT^P03 per patient-month and billing practitioner.
 * Refuses (CHARGES.MISSING_REFERENCE, naming every missing NPI/TIN) before storing anything.
 * Returns the number of messages newly stored (0 when they already were).
 */
export async function prepareCloseMessages(
  pool: Pool,
  tenantId: string,
  close: MonthClosed['data'],
  ref: ChargeReference,
  opts: BuildOptions,
): Promise<number> {
  const built: Parameters<typeof insertMessage>[1][] = [];
  const missing = new Set<string>();
  for (const p of close.patients) {
    for (const [practitionerId, lines] of groupBy(p.lines, (l) => l.billingPractitionerId)) {
      const controlId = controlIdFor(tenantId, close.closeId, p.patientId, practitionerId);
      const entries: ChargeEntry[] = lines.map((line, i) => ({
        kind: 'charge',
        line,
        transactionId: `${controlId}.${i + 1}`,
      }));
      try {
        const m = buildDftP03({
          controlId,
          createdAt: opts.now,
          receiver: opts.receiver,
          parties: partiesOf(ref, close.organizationId, practitionerId, p.patientId),
          month: close.month,
          diagnoses: p.diagnoses,
          entries,
          fees: opts.fees,
        });
        built.push({
          controlId,
          tenantId,
          close,
          sourceId: close.closeId,
          restatementId: null,
          patientId: p.patientId,
          practitionerId,
          originalControlId: null,
          text: m.text,
          unitsByCode: m.unitsByCode,
          transactions: entries.map((e) => ({
            key: lineKey(e.line),
            transactionId: e.transactionId,
            kind: e.kind,
          })),
        });
      } catch (err) {
        const names = (err as { missing?: string[] }).missing;
        if (!names) throw err;
        names.forEach((n) => missing.add(n));
      }
    }
  }
  if (missing.size > 0) {
    throw new ChargeFeedReferenceError([...missing].sort());
  }
  let stored = 0;
  for (const row of built) if (await insertMessage(pool, row)) stored++;
  return stored;
}

/** The last message that carried charges of this patient and practitioner in a close, with its transactions. */
async function lastSent(
  pool: Pool,
  tenantId: string,
  closeId: string,
  patientId: string,
  practitionerId: string,
): Promise<{ controlId: string; transactions: Transaction[] } | null> {
  const r = await pool.query<{ control_id: string; transactions: Transaction[] }>(
    `SELECT control_id, transactions FROM charge_messages
      WHERE tenant_id = $4 AND close_id = $1 AND patient_id = $2 AND practitioner_id = $3
      ORDER BY created_at DESC, control_id DESC LIMIT 1`,
    [closeId, patientId, practitionerId, tenantId],
  );
  return r.rows[0] ? { controlId: r.rows[0].control_id, transactions: r.rows[0].transactions } : null;
}

/** Every transaction id ever sent for a charge key in a close (the reversal reverses the latest). */
async function transactionOf(
  pool: Pool,
  tenantId: string,
  closeId: string,
  patientId: string,
  key: string,
): Promise<string | null> {
  const r = await pool.query<{ transaction_id: string }>(
    `SELECT t->>'transactionId' AS transaction_id
       FROM charge_messages m, jsonb_array_elements(m.transactions) t
      WHERE m.tenant_id = $4 AND m.close_id = $1 AND m.patient_id = $2 AND t->>'key' = $3 AND t->>'kind' = 'charge'
      ORDER BY m.created_at DESC, m.control_id DESC LIMIT 1`,
    [closeId, patientId, key, tenantId],
  );
  return r.rows[0]?.transaction_id ?? null;
}

/**
 * Build and store the messages of one restatement: per billing practitioner, the reversal FT1s of
 * the charges as they were sent (their original transaction ids) and the new charges, linked to the
 * control id of the message that last sent that practitioner's charges (FT1-23).
 */
export async function prepareRestatementMessages(
  pool: Pool,
  tenantId: string,
  close: MonthClosed['data'],
  restatement: { restatementId: string; diff: RestatementDiff; diagnoses: string[] },
  ref: ChargeReference,
  opts: BuildOptions,
): Promise<number> {
  const { diff } = restatement;
  const all: { kind: ChargeEntry['kind']; line: ClosedLineData }[] = [
    ...diff.reverse.map((line) => ({ kind: 'reversal' as const, line })),
    ...diff.add.map((line) => ({ kind: 'charge' as const, line })),
  ];
  let stored = 0;
  for (const [practitionerId, items] of groupBy(all, (i) => i.line.billingPractitionerId)) {
    const controlId = controlIdFor(tenantId, restatement.restatementId, diff.patientId, practitionerId);
    const previous = await lastSent(pool, tenantId, close.closeId, diff.patientId, practitionerId);
    const entries: ChargeEntry[] = [];
    let n = 0;
    for (const i of items) {
      const original =
        i.kind === 'reversal'
          ? await transactionOf(pool, tenantId, close.closeId, diff.patientId, lineKey(i.line))
          : null;
      entries.push({ kind: i.kind, line: i.line, transactionId: original ?? `${controlId}.${++n}` });
    }
    const m = buildDftP03({
      controlId,
      createdAt: opts.now,
      receiver: opts.receiver,
      parties: partiesOf(ref, close.organizationId, practitionerId, diff.patientId),
      month: close.month,
      diagnoses: restatement.diagnoses,
      entries,
      fees: opts.fees,
      ...(previous ? { originalControlId: previous.controlId } : {}),
    });
    if (
      await insertMessage(pool, {
        controlId,
        tenantId,
        close,
        sourceId: restatement.restatementId,
        restatementId: restatement.restatementId,
        patientId: diff.patientId,
        practitionerId,
        originalControlId: previous?.controlId ?? null,
        text: m.text,
        unitsByCode: m.unitsByCode,
        transactions: entries.map((e) => ({
          key: lineKey(e.line),
          transactionId: e.transactionId,
          kind: e.kind,
        })),
      })
    )
      stored++;
  }
  return stored;
}

/** The baseline of each patient-month of a close: the last restatement's state, else the closed lines. */
export async function baselines(
  pool: Pool,
  tenantId: string,
  close: MonthClosed['data'],
): Promise<ClosedPatientMonthData[]> {
  const r = await pool.query<{ patient_id: string; diff: RestatementDiff }>(
    `SELECT DISTINCT ON (patient_id) patient_id, diff FROM charge_restatements
      WHERE tenant_id = $2 AND close_id = $1 ORDER BY patient_id, seq DESC`,
    [close.closeId, tenantId],
  );
  const latest = new Map(r.rows.map((row) => [row.patient_id, row.diff.after]));
  const out = close.patients.map((p) => latest.get(p.patientId) ?? p);
  for (const [id, after] of latest) if (!close.patients.some((p) => p.patientId === id)) out.push(after);
  return out;
}

/** Store new restatements (one row per patient-month that changed since its baseline). */
export async function recordRestatements(
  pool: Pool,
  tenantId: string,
  close: MonthClosed['data'],
  diffs: readonly RestatementDiff[],
  /** When the restatement was found (the caller's clock, so ages are reproducible). */
  at: string,
): Promise<{ restatementId: string; diff: RestatementDiff }[]> {
  const out: { restatementId: string; diff: RestatementDiff }[] = [];
  for (const diff of diffs) {
    const seq = await pool.query<{ n: number }>(
      `SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM charge_restatements WHERE tenant_id = $3 AND close_id = $1 AND patient_id = $2`,
      [close.closeId, diff.patientId, tenantId],
    );
    const n = seq.rows[0]!.n;
    const restatementId = `${close.closeId}.${diff.patientId}.r${n}`;
    await pool.query(
      `INSERT INTO charge_restatements (restatement_id, tenant_id, organization_id, month, close_id, patient_id, seq, diff,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [
        restatementId,
        tenantId,
        close.organizationId,
        close.month,
        close.closeId,
        diff.patientId,
        n,
        JSON.stringify(diff),
        at,
      ],
    );
    out.push({ restatementId, diff });
  }
  return out;
}
