import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createPgPool } from '@careledger/http';
import { loadReferenceData, type CareLedgerConfig } from '@careledger/config';
import { EventStore } from '@careledger/event-store';
import { createKafka } from '@careledger/kafka';
import { ProjectionDriftChecker } from './projection-drift.checker';
import type { ReplaySource } from './replay-options';
import { DETERMINE_MONTH } from '@careledger/replay';
import { ReplayRunner, type ReplayEventSource } from './replay-runner';
import { KafkaEventSource } from './sources/kafka-event.source';
import { StoreEventSource } from './sources/store-event.source';

export { DETERMINE_MONTH };

/** Everything a replay needs, built from configuration (CLI) or from Nest providers (HTTP). */
export interface ReplayContext {
  readonly runner: ReplayRunner;
  /** The PostgreSQL pool (event store, projections, audit records). */
  readonly pool: Pool;
  source(name: ReplaySource): ReplayEventSource;
  close(): Promise<void>;
}

/** Optional shared clients (the HTTP app passes its pool; tests pass their own topic). */
export interface ReplayContextOverrides {
  pool?: Pool;
  kafka?: Kafka;
  eventsTopic?: string;
}

/**
 * Wire a replay: the event store and the topic as sources, the stored projections for drift, the
 * ICD-10-CM reference data from the configured folder and RULES' `determineMonth` (the projector's
 * own function). Clients it creates itself are closed by `close()`; shared ones are left alone.
 */
export function createReplayContext(
  config: CareLedgerConfig,
  overrides: ReplayContextOverrides = {},
): ReplayContext {
  const ownPool = overrides.pool === undefined;
  const pool =
    overrides.pool ??
    // the shared factory: it survives a PostgreSQL restart (error listeners on the pool and its clients)
    createPgPool(config, 'careledger-audit');
  let kafka = overrides.kafka;
  const runner = new ReplayRunner({
    determineMonth: DETERMINE_MONTH,
    referenceData: loadReferenceData(config.dataDir),
    policy: config.exclusiveChoicePolicy,
    drift: new ProjectionDriftChecker(pool),
  });
  return {
    runner,
    pool,
    source(name) {
      if (name === 'store') return new StoreEventSource(new EventStore(pool));
      kafka ??= createKafka(config.kafka, { clientIdSuffix: 'audit' });
      return new KafkaEventSource(kafka, overrides.eventsTopic ?? config.kafka.eventsTopic);
    },
    async close() {
      if (ownPool) await pool.end();
    },
  };
}
