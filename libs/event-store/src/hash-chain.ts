import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { RecordedEvent } from '@careledger/domain/events/event-types';

/** `prevHash` of the first event of every stream: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a stored event that the hash covers (everything but `globalPosition` and `hash`). */
export type HashableEvent = Omit<RecordedEvent, 'hash' | 'globalPosition' | 'prevHash'> &
  Partial<Pick<RecordedEvent, 'globalPosition' | 'prevHash' | 'hash'>>;

/**
 * The exact object that is canonicalized and hashed. Fields are picked explicitly so that
 * adding a column or a transport field can never change existing hashes. `globalPosition` is left
 * out on purpose: it is assigned by the database sequence and may differ between two faithful
 * copies of the same stream (another store, a re-import), while the chain must stay the same.
 */
export function hashedContent(event: HashableEvent, prevHash: string): Record<string, unknown> {
  const content: Record<string, unknown> = {
    type: event.type,
    schemaVersion: event.schemaVersion,
    tenantId: event.tenantId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    actor: event.actor,
    data: event.data,
    eventId: event.eventId,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    correlationId: event.correlationId,
    causationId: event.causationId ?? null,
  };
  if (event.patientId !== undefined) content.patientId = event.patientId;
  return { event: content, prevHash };
}

/**
 * The envelope keys of {@link hashedContent} in RFC 8785 order (UTF-16 code units), each with how to
 * read it. `patientId` is absent from tenant-stream events and then left out, as `canonicalize` does.
 */
const ENVELOPE_FIELDS: readonly [string, (e: HashableEvent) => unknown][] = [
  ['actor', (e) => e.actor],
  ['causationId', (e) => e.causationId ?? null],
  ['correlationId', (e) => e.correlationId],
  ['data', (e) => e.data],
  ['eventId', (e) => e.eventId],
  ['occurredAt', (e) => e.occurredAt],
  ['patientId', (e) => e.patientId],
  ['recordedAt', (e) => e.recordedAt],
  ['schemaVersion', (e) => e.schemaVersion],
  ['streamId', (e) => e.streamId],
  ['streamVersion', (e) => e.streamVersion],
  ['tenantId', (e) => e.tenantId],
  ['type', (e) => e.type],
];

/** One value as RFC 8785 writes it: scalars through `JSON.stringify`, objects through `canonicalize`. */
function canonicalValue(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('event cannot be canonicalized: a number is not finite');
    return JSON.stringify(value);
  }
  const json = canonicalize(value);
  if (json === undefined) throw new TypeError('event cannot be canonicalized');
  return json;
}

/**
 * The RFC 8785 canonical JSON of `{ event: <hashed fields>, prevHash }`, specialised for the fixed
 * envelope: the keys are written in their known order instead of being collected and sorted, and only
 * `actor` and `data` (free-form objects) go through the generic `canonicalize`. The output is
 * byte-identical to `canonicalize(hashedContent(event, prevHash))` (tested on every generated event).
 */
export function canonicalEventJson(event: HashableEvent, prevHash: string): string {
  let body = '';
  for (const [key, read] of ENVELOPE_FIELDS) {
    const value = read(event);
    if (value === undefined || typeof value === 'symbol') continue;
    body += `${body.length === 0 ? '' : ','}"${key}":${canonicalValue(value)}`;
  }
  return `{"event":{${body}},"prevHash":${canonicalValue(prevHash)}}`;
}

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of `{ event: <hashed fields>, prevHash }`
 * ({@link canonicalEventJson}). `occurredAt`/`recordedAt` are hashed as the original ISO strings,
 * exactly as received.
 */
export function computeEventHash(event: HashableEvent, prevHash: string): string {
  return createHash('sha256').update(canonicalEventJson(event, prevHash), 'utf8').digest('hex');
}

/** Why a chain failed to verify. */
export type ChainFailureReason =
  /** The stored `hash` differs from the hash recomputed over the stored content: the event changed. */
  | 'HASH_MISMATCH'
  /** `prevHash` is not the previous event's `hash` (or `GENESIS_HASH` for version 1): an event was removed, inserted or reordered. */
  | 'PREV_HASH_MISMATCH'
  /** Stream versions are not 1, 2, 3, ... without gaps or repeats. */
  | 'VERSION_GAP';

/** Result of {@link verifyChain}: the first broken event, or ok. */
export type ChainVerification =
  | { ok: true; eventsChecked: number; streams: number }
  | { ok: false; eventId: string; streamId: string; streamVersion: number; reason: ChainFailureReason };

/**
 * Verifies the hash chain of one or more complete streams. Events may come in any order and
 * interleaved across streams; each stream is checked from version 1 upwards, and the first broken
 * event (lowest version of the first stream, in order of first appearance) is reported.
 */
export function verifyChain(events: readonly RecordedEvent[]): ChainVerification {
  const streams = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    const list = streams.get(e.streamId);
    if (list) list.push(e);
    else streams.set(e.streamId, [e]);
  }
  for (const [streamId, list] of streams) {
    const sorted = [...list].sort((a, b) => a.streamVersion - b.streamVersion);
    let prev = GENESIS_HASH;
    for (let i = 0; i < sorted.length; i++) {
      const e = sorted[i]!;
      const fail = (reason: ChainFailureReason): ChainVerification => ({
        ok: false,
        eventId: e.eventId,
        streamId,
        streamVersion: e.streamVersion,
        reason,
      });
      if (e.streamVersion !== i + 1) return fail('VERSION_GAP');
      if (e.prevHash !== prev) return fail('PREV_HASH_MISMATCH');
      if (computeEventHash(e, e.prevHash) !== e.hash) return fail('HASH_MISMATCH');
      prev = e.hash;
    }
  }
  return { ok: true, eventsChecked: events.length, streams: streams.size };
}
