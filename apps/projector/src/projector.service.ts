import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { type CareLedgerConfig, loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { CONFIG, METRICS_REGISTRY, PG_POOL } from '@careledger/http';
import { createKafka } from '@careledger/kafka';
import { ProjectorTelemetry } from './projector-telemetry';
import { type PartitionProgress, ProjectorRunner } from './projector.runner';

/** Injection token of the holder through which `/health` reaches the service. */
export const PROJECTOR_HEALTH = Symbol('PROJECTOR_HEALTH');
/** Filled by the service at construction. */
export interface ProjectorHealthHolder {
  service?: ProjectorService;
}

/** Runs the live projector inside the Nest app (health endpoint beside it). */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private runner: ProjectorRunner | undefined;
  private readonly telemetry: ProjectorTelemetry;

  constructor(
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly logger: PinoLogger,
    @Inject(PROJECTOR_HEALTH) holder: ProjectorHealthHolder,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.logger.setContext('projector');
    this.telemetry = new ProjectorTelemetry(registry, Date.now, {
      info: (o, m) => this.logger.info(o, m),
      warn: (o, m) => this.logger.warn(o, m),
    });
    holder.service = this;
  }

  async onApplicationBootstrap(): Promise<void> {
    const logger = {
      info: (o: object, m?: string) => this.logger.info(o, m),
      warn: (o: object, m?: string) => this.logger.warn(o, m),
      error: (o: object, m?: string) => this.logger.error(o, m),
      debug: (o: object, m?: string) => this.logger.debug(o, m),
    };
    this.runner = new ProjectorRunner({
      kafka: createKafka(this.config.kafka, { logger, clientIdSuffix: 'projector' }),
      pool: this.pool,
      topic: this.config.kafka.eventsTopic,
      dlqTopic: this.config.kafka.dlqTopic,
      groupId: this.config.kafka.projectorGroupId,
      mode: { kind: 'live' },
      determine: determineMonth,
      reference: loadReferenceData(this.config.dataDir),
      policy: this.config.exclusiveChoicePolicy,
      logger,
      telemetry: this.telemetry,
      onBatch: ({ partition, version, result }) =>
        this.logger.debug(
          {
            partition,
            version,
            applied: result.applied,
            deadLettered: result.deadLettered,
            months: result.recomputedMonths,
          },
          'batch projected',
        ),
    });
    const runner = this.runner;
    this.telemetry.readFrom(() => runner.offsetsBehind());
    await runner.start();
  }

  /** Projection progress for `/health`: version, per-partition offsets and lag. */
  async health(): Promise<{ version: number; lag: number | null; partitions: PartitionProgress[] }> {
    if (!this.runner) return { version: 0, lag: null, partitions: [] };
    const partitions = await this.runner.progress();
    const lags = partitions.map((p) => p.lag).filter((l): l is number => l !== null);
    return {
      version: this.runner.currentVersion,
      lag: lags.length ? lags.reduce((a, b) => a + b, 0) : null,
      partitions,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
