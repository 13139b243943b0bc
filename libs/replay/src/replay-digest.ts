import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Determination } from './replay-report';

/** What the digest covers: nothing about the run (no clock, no counts, no source). */
export interface DigestInput {
  determinations: readonly Determination[];
  rulesVersion: string;
  asOf: string | null;
}

/** Code-unit order (what RFC 8785 uses for keys), independent of the host's locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Determinations sorted by patient id, then month: the order the digest and the report use. */
export function sortDeterminations<T extends Pick<Determination, 'patientId' | 'month'>>(
  ds: readonly T[],
): T[] {
  return [...ds].sort((a, b) => byCodeUnits(a.patientId, b.patientId) || byCodeUnits(a.month, b.month));
}

/**
 * The replay digest: SHA-256 (hex) over the RFC 8785 canonical JSON of
 * `{ determinations (sorted by patient id), rulesVersion, asOf }`. Canonical JSON makes the bytes
 * independent of key insertion order, number formatting and the machine; sorting makes them
 * independent of the order events arrived in (partitions, source).
 */
export function replayDigest(input: DigestInput): string {
  const canonical = canonicalize({
    determinations: sortDeterminations(input.determinations),
    rulesVersion: input.rulesVersion,
    asOf: input.asOf,
  });
  if (canonical === undefined) throw new Error('replay digest: determinations are not serializable as JSON');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
