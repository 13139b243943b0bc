import type { Server } from 'node:http';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { CareLedgerConfig } from '@careledger/config';
import { HttpMetrics, startTracing } from '@careledger/observability';
import { correlationIdMiddleware } from './correlation-id.middleware';
import { httpTelemetry, reenterTraceContext } from './http-telemetry';
import { inFlightLimit } from './in-flight-limit';
import { fromBodyParserError, ProblemDetailsFilter } from './problem-details.filter';
import { ProblemError } from './problem';
import { createValidationPipe } from './validation';

/** Options of an app's HTTP surface. */
export interface HttpAppOptions {
  /** App name: OpenAPI title, logs. */
  name: string;
  description?: string;
  /** Use the app's pino logger (false in tests that build the app without LoggingModule). */
  useLogger?: boolean;
}

function requestTimeout(ms: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (!res.headersSent) {
        next(
          new ProblemError(503, 'HTTP.TIMEOUT', `The request took longer than ${ms} ms and was abandoned.`),
        );
      }
    }, ms);
    res.on('close', () => clearTimeout(timer));
    res.on('finish', () => clearTimeout(timer));
    next();
  };
}

/** The app's HTTP metrics when it imports MetricsModule (tests may build an app without it). */
function httpMetricsOf(app: INestApplication): HttpMetrics | undefined {
  try {
    return app.get(HttpMetrics, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * The HTTP surface every CareLedger app shares: metrics and the server span (ADR 0310), correlation ids, security headers, a body limit
 * (413 beyond it), JSON parsing (`application/json` and `+json`), request timeouts, closed CORS unless
 * origins are configured, one problem+json exception filter, the DTO validation pipe, and the
 * OpenAPI document at `/docs` (UI) and `/docs-json`. The app must be created with `bodyParser: false`.
 */
export function configureHttpApp(
  app: INestApplication,
  config: CareLedgerConfig,
  options: HttpAppOptions,
): void {
  const express_ = app as NestExpressApplication;
  express_.disable('x-powered-by');
  express_.set('query parser', 'extended');
  app.use(httpTelemetry(httpMetricsOf(app)));
  app.use(correlationIdMiddleware);
  app.use(helmet());
  app.use(requestTimeout(config.http.requestTimeoutMs));
  app.use(inFlightLimit(config.http.maxInFlight));
  const json = express.json({
    limit: config.http.bodyLimit,
    type: ['application/json', 'application/*+json'],
    strict: false,
  });
  // Parse errors are turned into problems here: body-parser's own messages can quote the body.
  app.use((req: Request, res: Response, next: NextFunction) =>
    json(req, res, (err?: unknown) => {
      if (!err) return next();
      next(fromBodyParserError(err) ?? err);
    }),
  );
  app.use(reenterTraceContext);
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({ origin: config.http.corsOrigins, credentials: false, maxAge: 600 });
  }
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`CareLedger ${options.name}`)
      .setDescription(options.description ?? `CareLedger ${options.name} API`)
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * Idle keep-alive sockets stay open `ms` (ADR 0407): longer than the client's idle timeout, so the
 * client closes them. Node's 5 s default lost the race to Node's own fetch (4 s plus a coarse timer)
 * and a reused socket was closed under a request ("other side closed"). Headers must arrive within
 * the same time, plus a second, as Node advises.
 */
export function holdIdleConnections(server: Server, ms: number): void {
  server.keepAliveTimeout = ms;
  server.headersTimeout = ms + 1_000;
}

/** Creates, configures and returns an app (not yet listening). */
export async function createHttpApp(
  rootModule: Type<unknown>,
  config: CareLedgerConfig,
  options: HttpAppOptions,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    bodyParser: false,
    bufferLogs: options.useLogger !== false,
  });
  if (options.useLogger !== false) app.useLogger(app.get(Logger));
  configureHttpApp(app, config, options);
  return app;
}

/**
 * Starts tracing when `CARELEDGER_OTEL_ENDPOINT` is set, creates the app and listens on the given
 * port of the configured host; logs the URL.
 */
export async function bootstrapHttpApp(
  rootModule: Type<unknown>,
  config: CareLedgerConfig,
  options: HttpAppOptions & { port: number },
): Promise<INestApplication> {
  // Before the app exists, so that the spans of its first requests are exported (when configured).
  startTracing(options.name, config.otelEndpoint);
  const app = await createHttpApp(rootModule, config, options);
  holdIdleConnections(app.getHttpServer() as Server, config.http.keepAliveTimeoutMs);
  await app.listen(options.port, config.http.host);
  app.get(Logger).log(`${options.name} listening on http://${config.http.host}:${options.port}`);
  return app;
}
