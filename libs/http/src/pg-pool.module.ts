import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG } from './app-config.module';

/** Injection token of the app's shared `pg.Pool`. */
export const PG_POOL = Symbol('CARELEDGER_PG_POOL');

/** Builds a pool from the validated configuration. */
export function createPgPool(config: CareLedgerConfig, applicationName: string): Pool {
  const pool = new Pool({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
    max: config.db.poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client whose server went away (PostgreSQL restarted, a network blip) is reported as a
  // pool 'error' event; without a listener Node treats it as unhandled and the whole app exits.
  // The pool already discards that client and the next query connects afresh (ADR 0803).
  pool.on('error', (err: Error) => {
    poolLogger.warn(`idle PostgreSQL client dropped: ${err.message}`);
  });
  // A client checked out for a transaction has no pool listener: the same 'error' would crash the app
  // mid-request. Its query already fails (the caller answers 503/500 and releases it; the pool then
  // discards the broken client), so the event only needs to be observed.
  pool.on('connect', (client) => {
    client.on('error', (err: Error) => poolLogger.warn(`PostgreSQL connection lost: ${err.message}`));
  });
  return pool;
}

const poolLogger = new Logger('PgPool');

@Injectable()
class PgPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** One `pg.Pool` per app, closed on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [CONFIG],
      useFactory: (config: CareLedgerConfig) => createPgPool(config, 'careledger'),
    },
    PgPoolCloser,
  ],
  exports: [PG_POOL],
})
export class PgPoolModule {}
