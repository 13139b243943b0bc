import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG } from '@careledger/http';
import { createKafka } from '@careledger/kafka';
import { OutboxRelay, type RelayLogger, type RelayObserver, type RelayStats } from './outbox-relay';

/** Options of the relay derived from the configuration (shared by the Nest service and relay.main). */
export function relayOptionsOf(config: CareLedgerConfig, logger?: RelayLogger, observer?: RelayObserver) {
  return {
    topic: config.kafka.eventsTopic,
    db: {
      host: config.db.host,
      port: config.db.port,
      user: config.db.user,
      password: config.db.password || undefined,
      database: config.db.database,
    },
    batchSize: config.relay.batchSize,
    pollIntervalMs: config.relay.pollIntervalMs,
    ...(logger ? { logger } : {}),
    ...(observer ? { observer } : {}),
  };
}

/** Adapts Nest's logger (pino underneath in the apps) to the relay's object-first logger. */
export function nestRelayLogger(logger: Logger): RelayLogger {
  return {
    info: (obj, msg) => logger.log({ ...obj, msg }),
    warn: (obj, msg) => logger.warn({ ...obj, msg }),
    error: (obj, msg) => logger.error({ ...obj, msg }),
  };
}

/** Runs the outbox relay inside care-api (when `relay.enabled`), started after boot, stopped on shutdown. */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly relay: OutboxRelay;

  constructor(@Inject(CONFIG) config: CareLedgerConfig, observer?: RelayObserver) {
    const kafka = createKafka(config.kafka, { clientIdSuffix: 'outbox-relay' });
    this.relay = new OutboxRelay(kafka, relayOptionsOf(config, nestRelayLogger(this.logger), observer));
  }

  /** What the relay has done (for `/health`). */
  stats(): RelayStats {
    return { ...this.relay.stats };
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
