import { type DynamicModule, Module } from '@nestjs/common';
import type { CareLedgerConfig } from '@careledger/config';
import { AccessLogModule, AuthModule, rateLimitSubjectOf } from '@careledger/auth';
import {
  AppConfigModule,
  HealthModule,
  LoggingModule,
  MetricsModule,
  PgPoolModule,
  RateLimitModule,
} from '@careledger/http';
import { AuditReplayService } from './http/audit-replay.service';
import { ReplaysController } from './http/replays.controller';

/** The audit app: replays for auditors over HTTP (port 3002), `/health`, OpenAPI at `/docs`. */
@Module({})
export class AuditModule {
  static forRoot(config: CareLedgerConfig): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot('audit'),
        MetricsModule.forRoot('audit'),
        PgPoolModule,
        AuthModule.forRoot(config),
        AccessLogModule.forRoot({ app: 'audit', controller: true }),
        RateLimitModule.forRoot(rateLimitSubjectOf),
        HealthModule.register({ name: 'audit' }),
      ],
      controllers: [ReplaysController],
      providers: [AuditReplayService],
    };
  }
}
