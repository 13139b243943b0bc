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
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Registry } from 'prom-client';
import { createRegistry, HttpMetrics, shutdownTracing } from '@careledger/observability';
import { Public } from './public.decorator';

/** Injection token of the app's Prometheus registry (one per app instance). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * `GET /metrics`: the Prometheus text format of the app's registry. Public like `/health` (no token:
 * scrapers do not carry one); it holds counts, durations and bounded labels only, never PHI.
 */
@ApiExcludeController()
@Public()
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    const body = await this.registry.metrics();
    res.status(200).type(this.registry.contentType).send(body);
  }
}

/** Flushes the spans still buffered when the app shuts down. */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return shutdownTracing();
  }
}

/** The app's registry, its HTTP metrics (used by the HTTP surface) and the `/metrics` endpoint. */
@Module({})
export class MetricsModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useFactory: () => createRegistry(app) },
        { provide: HttpMetrics, inject: [METRICS_REGISTRY], useFactory: (r: Registry) => new HttpMetrics(r) },
        TracingShutdown,
      ],
      exports: [METRICS_REGISTRY, HttpMetrics],
    };
  }
}
