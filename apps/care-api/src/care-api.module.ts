import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { loadConfig, type CareLedgerConfig } from '@careledger/config';
import { AuthModule, rateLimitSubjectOf } from '@careledger/auth';
import { EventStore } from '@careledger/event-store';
import {
  AppConfigModule,
  CONFIG,
  HealthModule,
  LoggingModule,
  PG_POOL,
  PgPoolModule,
  RateLimitModule,
} from '@careledger/http';
import { COMMAND_CONTROLLERS, COMMAND_HANDLERS } from './commands';
import { ImportEventsController } from './import/import-events.controller';
import { ImportEventsService } from './import/import-events.service';
import { RelayService } from './relay/relay.service';
import { CommandRunner } from './shared/command-runner.service';
import { CLOCK, EVENT_STORE, type Clock } from './shared/tokens';

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
        PgPoolModule,
        HealthModule.register({
          name: 'care-api',
          extra: async () => (holder.relay ? { relay: holder.relay.stats() } : { relay: { enabled: false } }),
        }),
        AuthModule.forRoot(config),
        RateLimitModule.forRoot(rateLimitSubjectOf),
        CqrsModule.forRoot(),
      ],
      controllers: [...COMMAND_CONTROLLERS, ImportEventsController],
      providers: [
        {
          provide: EVENT_STORE,
          inject: [PG_POOL, CONFIG],
          useFactory: (pool: Pool, cfg: CareLedgerConfig) =>
            new EventStore(pool, { outboxTopics: [cfg.kafka.eventsTopic] }),
        },
        { provide: CLOCK, useValue: (() => new Date().toISOString()) satisfies Clock },
        CommandRunner,
        ImportEventsService,
        ...COMMAND_HANDLERS,
        ...(config.relay.enabled
          ? [
              {
                provide: RelayService,
                inject: [CONFIG],
                useFactory: (cfg: CareLedgerConfig) => (holder.relay = new RelayService(cfg)),
              },
            ]
          : []),
      ],
      exports: [EVENT_STORE],
    };
  }
}
