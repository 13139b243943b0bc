import 'reflect-metadata';
import pino from 'pino';
import { loadConfig } from '@careledger/config';
import { createKafka } from '@careledger/kafka';
import { shutdownTracing, startTracing, traceFields } from '@careledger/observability';
import { OutboxRelay } from './relay/outbox-relay';
import { relayOptionsOf } from './relay/relay.service';

/**
 * The outbox relay alone (`node dist/apps/care-api/src/relay.main.js`), for deployments that run
 * care-api with `CARELEDGER_RELAY_ENABLED=false` and scale the relay separately. Several may run:
 * one is the leader per topic, the others stand by (ADR 0401). SIGTERM/SIGINT stop it cleanly.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  startTracing('outbox-relay', config.otelEndpoint);
  const logger = pino({ name: 'outbox-relay', level: config.logLevel, mixin: traceFields });
  const relay = new OutboxRelay(
    createKafka(config.kafka, { clientIdSuffix: 'outbox-relay', logger }),
    relayOptionsOf(config, logger),
  );
  relay.start();
  logger.info({ topic: config.kafka.eventsTopic }, 'outbox relay started');
  const stop = (signal: string): void => {
    logger.info({ signal }, 'outbox relay stopping');
    relay
      .stop()
      .then(shutdownTracing)
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`outbox-relay: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
