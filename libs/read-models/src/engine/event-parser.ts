import type { ContractEvent } from '@careledger/domain';
import { validateContractEvent } from '@careledger/domain';

/** A Kafka message as the engine needs it (kafkajs' `KafkaMessage` fits). */
export interface EngineMessage {
  offset: string;
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown> | undefined;
}

/** Why a message was parked on the dead-letter topic. Never carries PHI: codes and field paths only. */
export class PoisonEventError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'PoisonEventError';
  }
}

/** A validated event with the platform metadata it arrived with. */
export interface ParsedEvent {
  offset: string;
  eventId: string;
  globalPosition: number | null;
  event: ContractEvent;
  metadata: Record<string, unknown>;
}

/** A message that could not be projected, with the ids-only row of `dead_lettered_events`. */
export interface DeadLetter {
  message: EngineMessage;
  error: PoisonEventError;
  row: object;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  'type',
  'schemaVersion',
  'tenantId',
  'patientId',
  'occurredAt',
  'recordedAt',
  'actor',
  'data',
]);

function parseJsonObject(message: EngineMessage): Record<string, unknown> {
  if (!message.value || message.value.length === 0)
    throw new PoisonEventError('PROJECTOR.EMPTY', 'message has no value');
  let raw: unknown;
  try {
    raw = JSON.parse(message.value.toString('utf8'));
  } catch {
    throw new PoisonEventError('PROJECTOR.UNPARSABLE', 'message value is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PoisonEventError('PROJECTOR.NOT_AN_EVENT', 'message value is not a JSON object');
  }
  return raw as Record<string, unknown>;
}

function validateEnvelope(envelope: Record<string, unknown>): ContractEvent {
  try {
    return validateContractEvent(envelope);
  } catch (err) {
    const e = err as { code?: string; issues?: { field: string; message: string }[]; message?: string };
    if (e.code === 'EVENT.INVALID' || Array.isArray(e.issues)) {
      const issues = e.issues ?? [];
      throw new PoisonEventError(
        'EVENT.INVALID',
        `invalid event: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`.slice(0, 480),
        issues,
      );
    }
    throw new PoisonEventError(e.code ?? 'EVENT.INVALID', 'event could not be validated');
  }
}

/**
 * Parse and validate one Kafka value: JSON, the platform metadata (`eventId`, `globalPosition`) and
 * the contract envelope through DOMAIN's `validateContractEvent` (which upcasts older versions).
 * Throws `PoisonEventError` (code `PROJECTOR.*` or `EVENT.INVALID`) naming fields, never values.
 */
export function parseEventMessage(message: EngineMessage): ParsedEvent {
  const obj = parseJsonObject(message);
  const eventId = obj['eventId'];
  if (typeof eventId !== 'string' || !UUID_RE.test(eventId)) {
    throw new PoisonEventError('PROJECTOR.NO_EVENT_ID', 'eventId must be a UUID', [
      { field: 'eventId', message: 'must be a UUID' },
    ]);
  }
  const gp = obj['globalPosition'];
  if (gp !== undefined && gp !== null && !(Number.isSafeInteger(gp) && (gp as number) >= 1)) {
    throw new PoisonEventError('PROJECTOR.BAD_POSITION', 'globalPosition must be a positive integer', [
      { field: 'globalPosition', message: 'must be a positive integer' },
    ]);
  }
  const envelope: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (ENVELOPE_KEYS.has(k)) envelope[k] = v;
    else metadata[k] = v;
  }
  return {
    offset: message.offset,
    eventId: eventId.toLowerCase(),
    globalPosition: (gp as number) ?? null,
    event: validateEnvelope(envelope),
    metadata,
  };
}

function deadLetterOf(
  message: EngineMessage,
  err: unknown,
  source: { topic: string; partition: number },
): DeadLetter {
  const error =
    err instanceof PoisonEventError ? err : new PoisonEventError('PROJECTOR.FAILED', 'unexpected');
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(message.value?.toString('utf8') ?? '') as Record<string, unknown>;
  } catch {
    /* unparsable: no ids to keep */
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
  return {
    message,
    error,
    row: {
      topic: source.topic,
      partition: source.partition,
      kafka_offset: message.offset,
      event_id: str(raw?.['eventId']),
      tenant_id: str(raw?.['tenantId']),
      global_position: Number.isSafeInteger(raw?.['globalPosition']) ? raw['globalPosition'] : null,
      error_code: error.code,
      error: { code: error.code, message: error.message, issues: error.issues },
    },
  };
}

/** Parse a partition's messages: valid events (first occurrence of an event id), poison messages, duplicates. */
export function parseMessages(
  messages: readonly EngineMessage[],
  source: { topic: string; partition: number },
): { parsed: ParsedEvent[]; dead: DeadLetter[]; duplicates: number } {
  const parsed: ParsedEvent[] = [];
  const dead: DeadLetter[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const m of messages) {
    try {
      const p = parseEventMessage(m);
      if (seen.has(p.eventId)) {
        duplicates++;
        continue;
      }
      seen.add(p.eventId);
      parsed.push(p);
    } catch (err) {
      dead.push(deadLetterOf(m, err, source));
    }
  }
  return { parsed, dead, duplicates };
}
