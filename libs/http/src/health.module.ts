import {
  Controller,
  type DynamicModule,
  Get,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  Res,
} from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { Pool } from 'pg';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG } from './app-config.module';
import { PG_POOL } from './pg-pool.module';
import { Public } from './public.decorator';

const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

/** A dependency's state as `/health` reports it. */
export interface DependencyHealth {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

/** Extra checks an app adds to `/health` (e.g. projection lag). */
export interface HealthOptions {
  name: string;
  extra?: () => Promise<Record<string, unknown>>;
}

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<DependencyHealth> {
  const started = process.hrtime.bigint();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Number((process.hrtime.bigint() - started) / 1_000_000n) };
  } catch (err) {
    return {
      status: 'down',
      latencyMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Checks PostgreSQL (`SELECT 1`) and Kafka (cluster metadata) with short deadlines. */
@Injectable()
export class HealthService implements OnApplicationShutdown {
  private admin: Admin | undefined;
  private adminConnected: Promise<void> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  private kafkaAdmin(): Promise<Admin> {
    if (!this.admin) {
      const kafka = new Kafka({
        clientId: `${this.config.kafka.clientId}-health-${this.options.name}`,
        brokers: this.config.kafka.brokers,
        connectionTimeout: 1_500,
        requestTimeout: 2_000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      this.admin = kafka.admin();
    }
    const admin = this.admin;
    this.adminConnected ??= admin.connect().catch((err: unknown) => {
      this.adminConnected = undefined;
      throw err;
    });
    return this.adminConnected.then(() => admin);
  }

  async check(): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    const [postgres, kafka, extra] = await Promise.all([
      timed(() => this.pool.query('SELECT 1'), 2_000),
      timed(async () => (await this.kafkaAdmin()).describeCluster(), 3_000),
      this.options.extra ? this.options.extra().catch((e: unknown) => ({ extraError: String(e) })) : {},
    ]);
    if (kafka.status === 'down' && this.admin) {
      const stale = this.admin;
      this.admin = undefined;
      this.adminConnected = undefined;
      void stale.disconnect().catch(() => undefined);
    }
    const ok = postgres.status === 'up' && kafka.status === 'up';
    return {
      ok,
      body: { status: ok ? 'ok' : 'degraded', app: this.options.name, checks: { postgres, kafka }, ...extra },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}

@ApiTags('health')
@Controller('health')
class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when PostgreSQL and Kafka answer, 503 otherwise; the body says which. */
  @Public()
  @Get()
  @ApiOkResponse({ description: 'PostgreSQL and Kafka connectivity of this app' })
  async get(@Res() res: Response): Promise<void> {
    const { ok, body } = await this.health.check();
    res.status(ok ? 200 : 503).json(body);
  }
}

/** `GET /health` for an app. Needs `AppConfigModule` and `PgPoolModule` in the app. */
@Module({})
export class HealthModule {
  static register(options: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }, HealthService],
      exports: [HealthService],
    };
  }
}
