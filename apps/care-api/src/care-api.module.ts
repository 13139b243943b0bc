import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { loadConfig, loadReferenceData, type CareLedgerConfig } from '@careledger/config';
import { AuthModule, rateLimitSubjectOf } from '@careledger/auth';
import { BillingOffice, loadFeeSchedule } from '@careledger/billing-office';
import { EventStore } from '@careledger/event-store';
import { EventStoreMetrics, OutboxMetrics } from '@careledger/observability';
import {
  AppConfigModule,
  CONFIG,
  HealthModule,
  LoggingModule,
  METRICS_REGISTRY,
  MetricsModule,
  PG_POOL,
  PgPoolModule,
  RateLimitModule,
} from '@careledger/http';
import { COMMAND_CONTROLLERS, COMMAND_HANDLERS } from './commands';
import { ResolveRestatementController } from './billing-office/resolve-restatement.controller';
import { FhirImportController } from './fhir-import/fhir-import.controller';
import { FhirImportService } from './fhir-import/fhir-import.service';
import { ImportEventsController } from './import/import-events.controller';
import { ImportEventsService } from './import/import-events.service';
import { outboxSnapshot } from './relay/outbox-snapshot';
import { RelayService } from './relay/relay.service';
import { CommandRunner } from './shared/command-runner.service';
import { BILLING_OFFICE, CLOCK, EVENT_STORE, type Clock } from './shared/tokens';

/**
 * The write side: one controller and CQRS handler per command, the import endpoint, the event
 * store (outbox rows for the configured events topic), the global auth guard, `/health`, and the
 * outbox relay when `relay.enabled`.
 */
@Module({})
export class CareApiModule {
  /** `config` defaults to `loadConfig()`; tests pass their own (random topic, test database). */
  static forRoot(config: CareLedgerConfig = loadConfig()): DynamicModule {
    const holder: { relay?: RelayService } = {};
    return {
      module: CareApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot('care-api'),
        MetricsModule.forRoot('care-api'),
        PgPoolModule,
        HealthModule.register({
          name: 'care-api',
          extra: async () => (holder.relay ? { relay: holder.relay.stats() } : { relay: { enabled: false } }),
        }),
        AuthModule.forRoot(config),
        RateLimitModule.forRoot(rateLimitSubjectOf),
        CqrsModule.forRoot(),
      ],
      controllers: [
        ...COMMAND_CONTROLLERS,
        ImportEventsController,
        FhirImportController,
        ResolveRestatementController,
      ],
      providers: [
        {
          provide: EVENT_STORE,
          inject: [PG_POOL, CONFIG, METRICS_REGISTRY],
          useFactory: (pool: Pool, cfg: CareLedgerConfig, registry: Registry) =>
            new EventStore(pool, {
              outboxTopics: [cfg.kafka.eventsTopic],
              observer: new EventStoreMetrics(registry),
            }),
        },
        {
          provide: OutboxMetrics,
          inject: [PG_POOL, CONFIG, METRICS_REGISTRY],
          useFactory: (pool: Pool, cfg: CareLedgerConfig, registry: Registry) =>
            new OutboxMetrics(registry, () => outboxSnapshot(pool, cfg.kafka.eventsTopic)),
        },
        { provide: CLOCK, useValue: (() => new Date().toISOString()) satisfies Clock },
        {
          // Month close (issue 16): the same replay and deciders as `careledger billing close`.
          provide: BILLING_OFFICE,
          inject: [PG_POOL, CONFIG, EVENT_STORE, CLOCK],
          useFactory: (pool: Pool, cfg: CareLedgerConfig, store: EventStore, clock: Clock) =>
            new BillingOffice({
              pool,
              store,
              referenceData: () => loadReferenceData(cfg.dataDir),
              fees: loadFeeSchedule(cfg.dataDir),
              outboxTopics: [cfg.kafka.eventsTopic],
              now: () => new Date(clock()),
            }),
        },
        CommandRunner,
        ImportEventsService,
        FhirImportService,
        ...COMMAND_HANDLERS,
        ...(config.relay.enabled
          ? [
              {
                provide: RelayService,
                inject: [CONFIG, OutboxMetrics],
                useFactory: (cfg: CareLedgerConfig, metrics: OutboxMetrics) =>
                  (holder.relay = new RelayService(cfg, metrics)),
              },
            ]
          : []),
      ],
      exports: [EVENT_STORE],
    };
  }
}
