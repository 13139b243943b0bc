import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG } from './app-config.module';

/** Injection token of the app's shared `pg.Pool`. */
export const PG_POOL = Symbol('CARELEDGER_PG_POOL');

/** Builds a pool from the validated configuration. */
export function createPgPool(config: CareLedgerConfig, applicationName: string): Pool {
  return new Pool({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
    max: config.db.poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
  });
}

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
