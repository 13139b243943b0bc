import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@careledger/auth';
import { type CareLedgerConfig, loadConfig } from '@careledger/config';
import { AppConfigModule, HealthModule, LoggingModule, MetricsModule, PgPoolModule } from '@careledger/http';
import { OperatorController } from './operator/operator.controller';
import { OperatorService } from './operator/operator.service';
import { PROJECTOR_HEALTH, type ProjectorHealthHolder, ProjectorService } from './projector.service';

/** The projector app: the Kafka -> read-model consumer plus `GET /health` with projection lag (port 3003). */
@Module({})
export class ProjectorModule {
  /** `config` defaults to `loadConfig()`; tests pass their own (topic, group id, database). */
  static forRoot(config: CareLedgerConfig = loadConfig()): DynamicModule {
    // The health check is declared before the service exists; the service registers itself here.
    const holder: ProjectorHealthHolder = {};
    return {
      module: ProjectorModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot('projector'),
        MetricsModule.forRoot('projector'),
        PgPoolModule,
        HealthModule.register({
          name: 'projector',
          extra: async () => (holder.service ? { projection: await holder.service.health() } : {}),
        }),
        // The operator routes (admin); `/health` and `/metrics` stay public.
        AuthModule.forRoot(config),
      ],
      controllers: [OperatorController],
      providers: [{ provide: PROJECTOR_HEALTH, useValue: holder }, ProjectorService, OperatorService],
    };
  }
}
