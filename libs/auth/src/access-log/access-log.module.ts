import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { Pool } from 'pg';
import { PG_POOL } from '@careledger/http';
import { AccessLogController } from './access-log.controller';
import { ACCESS_LOG_OPTIONS, AccessLogInterceptor, type AccessLogOptions } from './access-log.interceptor';
import { AccessLogRepository } from './access-log.repository';

/**
 * Installs access logging in an app: the global {@link AccessLogInterceptor} (every read of tenant
 * data, export and replay is written to `access_log`) and, with `controller: true`, the auditors'
 * `GET /v1/tenants/{tenantId}/access-log`. Needs `PgPoolModule` (global `PG_POOL`) in the app.
 */
@Module({})
export class AccessLogModule {
  static forRoot(options: AccessLogOptions & { controller?: boolean }): DynamicModule {
    return {
      module: AccessLogModule,
      controllers: options.controller ? [AccessLogController] : [],
      providers: [
        { provide: ACCESS_LOG_OPTIONS, useValue: { app: options.app } },
        {
          provide: AccessLogRepository,
          inject: [PG_POOL],
          useFactory: (pool: Pool) => new AccessLogRepository(pool),
        },
        { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
      ],
      exports: [AccessLogRepository],
    };
  }
}
