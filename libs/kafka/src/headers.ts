import type { IHeaders } from 'kafkajs';
import { HeaderValueError } from './kafka.errors';

/**
 * Header names of an event message (ARCHITECTURE.md "Publication"). Headers carry ids only:
 * never names, notes, activities, reasons or any other free text.
 */
export const EVENT_HEADERS = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
} as const;

/** Header names the DLQ helper adds to a dead letter. */
export const DLQ_HEADERS = {
  errorCode: 'dlq-error-code',
  errorMessage: 'dlq-error-message',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  failedAt: 'dlq-failed-at',
} as const;

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_VALUE = 1024;

/**
 * Encode string headers for kafkajs. Undefined and null values are left out; a value must be a
 * single line of at most 1 KiB (headers are ids and codes, not payloads).
 */
export function encodeHeaders(
  headers: Readonly<Record<string, string | number | null | undefined>>,
): IHeaders {
  const out: IHeaders = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || raw === null) continue;
    if (!NAME.test(name))
      throw new HeaderValueError(name, 'name must be lower-case kebab-case ([a-z0-9._-], at most 64)');
    const value = String(raw);
    if (value.length > MAX_VALUE)
      throw new HeaderValueError(name, `value longer than ${MAX_VALUE} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value))
      throw new HeaderValueError(name, 'value contains control characters');
    out[name] = value;
  }
  return out;
}

/**
 * Decode kafkajs headers (Buffers, strings or repeated values) into plain strings. A repeated
 * header keeps its last value, as Kafka's own `lastHeader` does.
 */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}
