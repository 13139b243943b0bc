import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Analysts see pseudonymous patient ids only (issue 8): a keyed HMAC of tenant and patient id, stable
 * across requests (so analyses can join) and not reversible without the key.
 */
export function pseudonymOf(secret: string, tenantId: string, patientId: string): string {
  return `psn_${createHmac('sha256', secret).update(`${tenantId}\u0000${patientId}`).digest('hex').slice(0, 24)}`;
}

/**
 * An analyst's view of a time-entry id: entry ids are chosen by the client that logged the care and
 * often embed the patient's id (the demo's `P0001-E2`), which would undo the patient pseudonym. A
 * keyed HMAC like {@link pseudonymOf}, in its own domain, keeps entries countable and joinable.
 */
export function entryPseudonymOf(secret: string, tenantId: string, entryId: string): string {
  return `pse_${createHmac('sha256', secret).update(`entry\u0000${tenantId}\u0000${entryId}`).digest('hex').slice(0, 24)}`;
}

/**
 * A read-model value as an analyst may see it: every entry id (`entry_id`, `entry_ids`, and
 * `entryId`/`entryIds` anywhere inside a JSON explanation) pseudonymised, every patient id inside
 * JSON pseudonymised. Other values are returned as they are.
 */
export function deidentifyForAnalyst(
  secret: string,
  tenantId: string,
  column: string,
  value: unknown,
): unknown {
  const entry = (v: unknown) => (typeof v === 'string' ? entryPseudonymOf(secret, tenantId, v) : v);
  if (column === 'entry_id' || column === 'entryId') return entry(value);
  if (column === 'entry_ids' || column === 'entryIds') return Array.isArray(value) ? value.map(entry) : value;
  if (column === 'patientId' && typeof value === 'string') return pseudonymOf(secret, tenantId, value);
  if (Array.isArray(value)) return value.map((v) => deidentifyForAnalyst(secret, tenantId, '', v));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = deidentifyForAnalyst(secret, tenantId, k, v);
    return out;
  }
  return value;
}

/**
 * Opaque page cursors: the keyset of the last row, sealed with AES-256-GCM so that a cursor never
 * shows a patient id (an analyst's cursor would otherwise reveal what the pseudonyms hide) and cannot
 * be forged into another position.
 */
export class CursorCodec {
  private readonly key: Buffer;
  constructor(secret: string) {
    this.key = createHash('sha256').update(`cursor\u0000${secret}`).digest();
  }

  seal(values: readonly unknown[]): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The keyset values, or null when the cursor is not one of ours. */
  open(cursor: string): unknown[] | null {
    try {
      const raw = Buffer.from(cursor, 'base64url');
      if (raw.length < 29) return null;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const values = JSON.parse(text) as unknown;
      return Array.isArray(values) ? values : null;
    } catch {
      return null;
    }
  }
}
