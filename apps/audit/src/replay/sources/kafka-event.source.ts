import type { Kafka } from 'kafkajs';
import type { RecordedEvent } from '@careledger/domain/events/event-types';
import { scanTopic, type ScanResult } from '@careledger/kafka';
import type { ReplayEventSource, ReplayScope } from '../replay-runner';

/** A message value that is not a recorded event of the contract (a replay refuses to guess). */
export class UnreadableMessageError extends Error {
  readonly code = 'AUDIT.UNREADABLE_MESSAGE';
  constructor(
    readonly partition: number,
    readonly offset: string,
    reason: string,
  ) {
    super(`message at partition ${partition} offset ${offset} is not a recorded event: ${reason}`);
    this.name = 'UnreadableMessageError';
  }
}

const FLUSH_EVERY = 1000;

/**
 * Replay source over the events topic (INFRA's `scanTopic`): every partition from the earliest offset
 * to the high-water marks captured at the start, with a throwaway group that never trusts or writes
 * committed offsets. Messages are filtered by key (`tenantId` or `tenantId:patientId`) before their
 * value is parsed, so other tenants' events are never even decoded.
 */
export class KafkaEventSource implements ReplayEventSource {
  readonly name = 'kafka' as const;
  /** What the last scan read, per partition (for the run block of the report). */
  lastScan: ScanResult | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly timeoutMs?: number,
  ) {}

  async read(scope: ReplayScope, onBatch: (batch: readonly RecordedEvent[]) => void): Promise<void> {
    const tenantKey = scope.tenantId;
    const patientPrefix = `${scope.tenantId}:`;
    const onlyPatient = scope.patientId === null ? null : `${scope.tenantId}:${scope.patientId}`;
    let buffer: RecordedEvent[] = [];
    let first = true;
    this.lastScan = await scanTopic(this.kafka, this.topic, {
      groupIdPrefix: 'careledger-audit-replay',
      ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      onMessage: (message, position) => {
        const key = message.key?.toString('utf8');
        if (key === undefined) return;
        const wanted =
          key === tenantKey || (onlyPatient === null ? key.startsWith(patientPrefix) : key === onlyPatient);
        if (!wanted || message.value === null) return;
        let event: RecordedEvent;
        try {
          event = JSON.parse(message.value.toString('utf8')) as RecordedEvent;
        } catch {
          throw new UnreadableMessageError(position.partition, message.offset, 'value is not JSON');
        }
        if (
          typeof event?.eventId !== 'string' ||
          typeof event.streamId !== 'string' ||
          typeof event.hash !== 'string'
        ) {
          throw new UnreadableMessageError(
            position.partition,
            message.offset,
            'stored event metadata missing',
          );
        }
        buffer.push(event);
        // The first event is handed on at once, so progress (and the bench clock) starts with it.
        if (buffer.length >= FLUSH_EVERY || first) {
          first = false;
          onBatch(buffer);
          buffer = [];
        }
      },
    });
    if (buffer.length > 0) onBatch(buffer);
  }
}
