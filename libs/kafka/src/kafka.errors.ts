/** Base of every error @careledger/kafka throws; `code` is stable (`KAFKA.<REASON>`). */
export abstract class KafkaAdapterError extends Error {
  abstract readonly code: string;
}

/** deploy/topics.json (or a configured override) is malformed. */
export class TopicDeclarationError extends KafkaAdapterError {
  readonly code = 'KAFKA.TOPIC_DECLARATION_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'TopicDeclarationError';
  }
}

/** A header value that is not a short single-line string (headers carry ids only). */
export class HeaderValueError extends KafkaAdapterError {
  readonly code = 'KAFKA.HEADER_INVALID';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`header ${field}: ${message}`);
    this.name = 'HeaderValueError';
  }
}

/** A topic scan did not reach the high-water marks captured at its start before its deadline. */
export class ScanTimeoutError extends KafkaAdapterError {
  readonly code = 'KAFKA.SCAN_TIMEOUT';
  constructor(
    readonly topic: string,
    readonly remaining: { partition: number; nextOffset: string; highWatermark: string }[],
    timeoutMs: number,
  ) {
    super(
      `scan of ${topic} did not finish within ${timeoutMs} ms; behind on partitions ${remaining
        .map((r) => `${r.partition} (at ${r.nextOffset} of ${r.highWatermark})`)
        .join(', ')}`,
    );
    this.name = 'ScanTimeoutError';
  }
}

/** A topic the caller relies on does not exist on the broker. */
export class TopicMissingError extends KafkaAdapterError {
  readonly code = 'KAFKA.TOPIC_MISSING';
  constructor(readonly topic: string) {
    super(
      `topic ${topic} does not exist (run npm run infra:up, which creates the topics of deploy/topics.json)`,
    );
    this.name = 'TopicMissingError';
  }
}

/** A partitioned send (one request per partition) was given a message it cannot place. */
export class PartitionedSendError extends KafkaAdapterError {
  constructor(
    readonly code: 'KAFKA.KEY_REQUIRED' | 'KAFKA.NO_PARTITIONS',
    message: string,
  ) {
    super(message);
    this.name = 'PartitionedSendError';
  }
}
