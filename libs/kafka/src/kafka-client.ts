import {
  Kafka,
  logLevel,
  Partitioners,
  type KafkaConfig as KafkaJsConfig,
  type LogEntry,
  type logCreator,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import type { KafkaConfig } from '@careledger/config';

/** The subset of a pino logger the adapter writes to (pino, nestjs-pino's PinoLogger and console-like loggers fit). */
export interface PinoLikeLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Options of {@link createKafka}. */
export interface CreateKafkaOptions {
  /** Where kafkajs' own log lines go; without one, only kafkajs errors reach stderr as JSON lines. */
  logger?: PinoLikeLogger;
  /** Lowest kafkajs level forwarded; default `warn` (kafkajs is chatty at info during rebalances). */
  level?: 'error' | 'warn' | 'info' | 'debug';
  /** Suffix for the client id, e.g. the app or role (`careledger-projector`). */
  clientIdSuffix?: string;
  /** Bounded retries for every request; kafkajs' default (5 with up to 30 s) hides a dead broker too long. */
  retry?: KafkaJsConfig['retry'];
}

const LEVELS = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/**
 * Brokers as configured, with `localhost` pinned to 127.0.0.1: the local broker binds IPv4 loopback
 * only, and `localhost` may resolve to ::1 first.
 */
export function normalizeBrokers(brokers: readonly string[]): string[] {
  return brokers.map((b) => b.trim().replace(/^localhost(?=:|$)/, '127.0.0.1'));
}

/**
 * A pino-compatible kafkajs log creator. kafkajs log entries carry broker addresses, client ids,
 * topic names and error text: never message values, so nothing here can carry PHI.
 */
export function pinoLogCreator(logger: PinoLikeLogger | undefined): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const {
        message,
        timestamp: _timestamp,
        logger: _logger,
        ...rest
      } = log as LogEntry['log'] & { logger?: string };
      const fields = { component: 'kafkajs', namespace, ...rest };
      if (!logger) {
        if (level === logLevel.ERROR) {
          process.stderr.write(
            `${JSON.stringify({ level: 50, time: Date.now(), msg: message, ...fields })}\n`,
          );
        }
        return;
      }
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.info(fields, message);
      else logger.debug(fields, message);
    };
}

/**
 * A kafkajs client for CareLedger's configuration: 127.0.0.1 brokers, a quiet pino-compatible logger
 * and bounded retries (about 10 s in all before a request fails).
 */
export function createKafka(
  config: Pick<KafkaConfig, 'brokers' | 'clientId'>,
  options: CreateKafkaOptions = {},
): Kafka {
  const level = options.logger ? LEVELS[options.level ?? 'warn'] : LEVELS.error;
  return new Kafka({
    clientId: options.clientIdSuffix ? `${config.clientId}-${options.clientIdSuffix}` : config.clientId,
    brokers: normalizeBrokers(config.brokers),
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: options.retry ?? { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000, multiplier: 2 },
    logLevel: level,
    logCreator: pinoLogCreator(options.logger),
  });
}

/**
 * A producer that never writes a message twice: idempotent (the broker drops a retried batch by its
 * sequence number), one request in flight (order kept), Java-compatible murmur2 partitioning on the
 * key, no topic auto-creation. A plain kafkajs producer retries a whole multi-partition request when
 * one partition answers NOT_LEADER (common right after a topic is created) and so duplicates the
 * partitions that had succeeded: the broker tests saw exactly that.
 */
export function createIdempotentProducer(
  kafka: Kafka,
  extra: Omit<ProducerConfig, 'idempotent'> = {},
): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    maxInFlightRequests: 1,
    ...extra,
    idempotent: true,
  });
}
