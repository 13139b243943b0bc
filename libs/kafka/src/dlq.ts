import type { IHeaders, KafkaMessage, Producer, RecordMetadata } from 'kafkajs';
import { DLQ_HEADERS, encodeHeaders } from './headers';

/** What {@link publishToDlq} needs to park one message. */
export interface DeadLetter {
  /** The dead-letter topic (configuration `kafka.dlqTopic`). */
  topic: string;
  /** Where the message came from. */
  sourceTopic: string;
  partition: number;
  /** The original message as consumed; its key, value bytes and headers are kept as they were. */
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>;
  /** Why it failed. A `code` property (`AREA.REASON`) is used when present; else the error's name. */
  error: unknown;
  /** When it failed (ISO instant); injected for deterministic tests, defaults to now. */
  failedAt?: string;
}

/** Error codes and messages are short single lines in headers; anything longer is cut. */
function errorParts(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null | undefined;
  const code =
    typeof e?.code === 'string' && e.code !== '' ? e.code : typeof e?.name === 'string' ? e.name : 'UNKNOWN';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  // Headers are single-line; errors of this codebase carry codes and field paths, never PHI.
  // eslint-disable-next-line no-control-regex
  const oneLine = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return {
    code: code.slice(0, 200),
    message: oneLine.length > 500 ? `${oneLine.slice(0, 497)}...` : oneLine,
  };
}

/**
 * Park a message that cannot be processed on the dead-letter topic, so that its partition keeps
 * moving: the original key and value bytes unchanged, the original headers, plus `dlq-*` headers
 * naming the error code and message and the source topic, partition and offset.
 */
export async function publishToDlq(producer: Producer, dead: DeadLetter): Promise<RecordMetadata[]> {
  const { code, message } = errorParts(dead.error);
  const original: IHeaders = { ...(dead.message.headers ?? {}) };
  const headers: IHeaders = {
    ...original,
    ...encodeHeaders({
      [DLQ_HEADERS.errorCode]: code,
      [DLQ_HEADERS.errorMessage]: message,
      [DLQ_HEADERS.sourceTopic]: dead.sourceTopic,
      [DLQ_HEADERS.sourcePartition]: dead.partition,
      [DLQ_HEADERS.sourceOffset]: dead.message.offset,
      [DLQ_HEADERS.failedAt]: dead.failedAt ?? new Date().toISOString(),
    }),
  };
  return producer.send({
    topic: dead.topic,
    messages: [{ key: dead.message.key, value: dead.message.value, headers }],
  });
}
