import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { MllpTransportError, sendMllp, type MllpAck, type MllpEndpoint } from './mllp-client';

/**
 * Delivery of stored charge messages (ADR 0613): MLLP at least once, in creation order, with a
 * bounded exponential backoff; a message the receiver NAKs (AE/AR) on every one of `maxAttempts`
 * tries goes to the dead-letter list; a receiver that cannot be reached costs no attempt, the round
 * simply waits and tries again until `deadlineMs`. Files: the same bytes, for batch pickup.
 */

export interface DeliveryOptions {
  endpoint: MllpEndpoint;
  maxAttempts: number;
  retryBaseMs: number;
  ackTimeoutMs: number;
  /** Stop trying after this long (the CLI's bound); pending messages stay pending. */
  deadlineMs: number;
  /** Log lines (ids and codes only). */
  log?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryScope {
  tenantId: string;
  month: string;
  organizationId?: string;
}

export interface DeliveryResult {
  acknowledged: number;
  deadLettered: number;
  pending: number;
  naks: number;
  unreachable: number;
}

interface PendingRow {
  control_id: string;
  hl7: string;
  attempts: number;
  restatement_id: string | null;
}

const scopeSql = `tenant_id = $1 AND month = $2 AND ($3::text IS NULL OR organization_id = $3)`;

async function pendingOf(pool: Pool, scope: DeliveryScope): Promise<PendingRow[]> {
  const r = await pool.query<PendingRow>(
    `SELECT control_id, hl7, attempts, restatement_id FROM charge_messages
      WHERE ${scopeSql} AND status = 'pending' ORDER BY created_at, control_id`,
    [scope.tenantId, scope.month, scope.organizationId ?? null],
  );
  return r.rows;
}

async function settleRestatement(pool: Pool, tenantId: string, restatementId: string | null): Promise<void> {
  if (!restatementId) return;
  await pool.query(
    `UPDATE charge_restatements SET status = 'acknowledged', updated_at = clock_timestamp()
      WHERE tenant_id = $2 AND restatement_id = $1 AND status IN ('open', 'sent')
        AND NOT EXISTS (SELECT 1 FROM charge_messages
                         WHERE tenant_id = $2 AND restatement_id = $1 AND status <> 'acknowledged')`,
    [restatementId, tenantId],
  );
}

/** Deliver every pending message of the scope; resolves when none is pending or the deadline passes. */
export async function deliverPending(
  pool: Pool,
  scope: DeliveryScope,
  opts: DeliveryOptions,
): Promise<DeliveryResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = opts.log ?? (() => undefined);
  const result: DeliveryResult = { acknowledged: 0, deadLettered: 0, pending: 0, naks: 0, unreachable: 0 };
  const deadline = Date.now() + opts.deadlineMs;
  let round = 0;
  for (;;) {
    const pending = await pendingOf(pool, scope);
    let backoff = 0;
    for (const m of pending) {
      let ack: MllpAck;
      try {
        ack = await sendMllp(opts.endpoint, m.hl7, opts.ackTimeoutMs);
      } catch (err) {
        if (!(err instanceof MllpTransportError)) throw err;
        result.unreachable++;
        log(`charges: ${m.control_id} not delivered (${err.message}); retrying`);
        await pool.query(`UPDATE charge_messages SET last_error = $2 WHERE control_id = $1`, [
          m.control_id,
          err.message,
        ]);
        backoff = opts.retryBaseMs * 2 ** Math.min(round, 6);
        break; // the receiver is down: the whole round waits, order is kept
      }
      const attempts = m.attempts + 1;
      if (ack.controlId !== m.control_id) {
        throw new Error(`ACK for ${ack.controlId} received while ${m.control_id} was sent`);
      }
      if (ack.code === 'AA' || ack.code === 'CA') {
        await pool.query(
          `UPDATE charge_messages SET status = 'acknowledged', attempts = $2, last_ack_code = $3, last_error = NULL,
             sent_at = COALESCE(sent_at, clock_timestamp()), acknowledged_at = clock_timestamp()
           WHERE control_id = $1`,
          [m.control_id, attempts, ack.code],
        );
        await settleRestatement(pool, scope.tenantId, m.restatement_id);
        result.acknowledged++;
        log(`charges: ${m.control_id} acknowledged (${ack.code}) after ${attempts} attempt(s)`);
        continue;
      }
      result.naks++;
      const dead = attempts >= opts.maxAttempts;
      await pool.query(
        `UPDATE charge_messages SET status = $2, attempts = $3, last_ack_code = $4, last_error = $5,
           sent_at = COALESCE(sent_at, clock_timestamp())
         WHERE control_id = $1`,
        [m.control_id, dead ? 'dead_lettered' : 'pending', attempts, ack.code, ack.text],
      );
      log(
        `charges: ${m.control_id} NAK ${ack.code} (${ack.text}); ${dead ? 'dead-lettered' : `attempt ${attempts} of ${opts.maxAttempts}`}`,
      );
      if (dead) result.deadLettered++;
      else backoff = Math.max(backoff, opts.retryBaseMs * 2 ** Math.min(attempts - 1, 6));
    }
    round++;
    const left = await pendingOf(pool, scope);
    if (left.length === 0 || Date.now() + backoff > deadline) {
      result.pending = left.length;
      return result;
    }
    await sleep(backoff);
  }
}

/** Put a dead-lettered message back in the queue (after the receiving side fixed its cause). */
export async function requeueDeadLetter(pool: Pool, controlId: string): Promise<boolean> {
  const r = await pool.query(
    `UPDATE charge_messages SET status = 'pending', attempts = 0 WHERE control_id = $1 AND status = 'dead_lettered'`,
    [controlId],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Write the scope's messages to one file per organization: UTF-8, segments separated by CR,
 * messages by a blank line (an empty segment). Returns the files written and their message counts.
 */
export async function exportMessages(
  pool: Pool,
  scope: DeliveryScope,
  outDir: string,
): Promise<{ file: string; messages: number }[]> {
  const r = await pool.query<{ organization_id: string; hl7: string }>(
    `SELECT organization_id, hl7 FROM charge_messages WHERE ${scopeSql} ORDER BY organization_id, created_at, control_id`,
    [scope.tenantId, scope.month, scope.organizationId ?? null],
  );
  fs.mkdirSync(outDir, { recursive: true });
  const byOrg = new Map<string, string[]>();
  for (const row of r.rows)
    byOrg.set(row.organization_id, [...(byOrg.get(row.organization_id) ?? []), row.hl7]);
  const out: { file: string; messages: number }[] = [];
  for (const [org, messages] of byOrg) {
    const file = path.join(outDir, `${scope.tenantId}.${org}.${scope.month}.dft-p03.hl7`);
    fs.writeFileSync(file, messages.join('\r'), 'utf8');
    out.push({ file, messages: messages.length });
  }
  return out;
}

/** The dead-letter list of a scope: messages the receiver NAKed on every try, with its last answer. */
export async function listDeadLetters(
  pool: Pool,
  scope: DeliveryScope,
): Promise<
  { controlId: string; patientId: string; attempts: number; ackCode: string | null; error: string | null }[]
> {
  const r = await pool.query<{
    control_id: string;
    patient_id: string;
    attempts: number;
    last_ack_code: string | null;
    last_error: string | null;
  }>(
    `SELECT control_id, patient_id, attempts, last_ack_code, last_error FROM charge_messages
      WHERE ${scopeSql} AND status = 'dead_lettered' ORDER BY created_at, control_id`,
    [scope.tenantId, scope.month, scope.organizationId ?? null],
  );
  return r.rows.map((row) => ({
    controlId: row.control_id,
    patientId: row.patient_id,
    attempts: row.attempts,
    ackCode: row.last_ack_code,
    error: row.last_error,
  }));
}

/** The longest reason a hand resolve keeps. */
export const MAX_RESOLUTION_REASON = 500;
/** C0 controls other than tab, line feed and carriage return, and DEL: PostgreSQL text cannot hold NUL. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * What is wrong with a hand-resolve reason, or null: required (after trimming), at most
 * {@link MAX_RESOLUTION_REASON} characters, and no control characters. The one check of the HTTP
 * route and the CLI; the reliability fuzz found a NUL reaching the UPDATE as a 500.
 */
export function resolutionReasonProblem(reason: unknown): string | null {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '') return 'is required (why it is resolved by hand)';
  if (text.length > MAX_RESOLUTION_REASON) return `must be at most ${MAX_RESOLUTION_REASON} characters`;
  if (CONTROL.test(text)) return 'must not contain control characters (tab and line breaks are allowed)';
  return null;
}

/**
 * Resolve an open restatement by hand (the site corrected the claim itself): who and why are kept
 * on the row. Refuses an unknown or already settled restatement (false). The reason must pass
 * {@link resolutionReasonProblem} (a RangeError otherwise: callers check it first and name the field).
 */
export async function resolveRestatement(
  pool: Pool,
  tenantId: string,
  restatementId: string,
  by: string,
  reason: string,
): Promise<boolean> {
  const problem = resolutionReasonProblem(reason);
  if (problem) throw new RangeError(`reason ${problem}`);
  const r = await pool.query(
    `UPDATE charge_restatements SET status = 'resolved', resolved_by = $3, resolution_reason = $4,
       updated_at = clock_timestamp()
     WHERE tenant_id = $1 AND restatement_id = $2 AND status IN ('open', 'sent')`,
    [tenantId, restatementId, by, reason],
  );
  return (r.rowCount ?? 0) > 0;
}
