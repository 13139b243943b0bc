import { type DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { CareLedgerConfig } from '@careledger/config';
import { traceFields } from '@careledger/observability';
import { CONFIG } from './app-config.module';

/** Paths never written to logs: credentials and every body (bodies may hold free text). */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.body',
  'res.body',
  'body',
  'data.activity',
  'data.reason',
  'data.goals',
  'data.interventions',
  'data.name',
];

/**
 * Structured JSON logs (pino) for an app: one line per request with method, route path, status,
 * duration, correlation id and trace id; never bodies, query strings or credentials (query strings can carry
 * filters, and bodies can carry free text).
 */
@Module({})
export class LoggingModule {
  static forRoot(name: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [CONFIG],
          useFactory: (config: CareLedgerConfig) => ({
            pinoHttp: {
              name,
              level: config.logLevel,
              redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
              genReqId: (req: IncomingMessage) =>
                (req as IncomingMessage & { correlationId?: string }).correlationId ?? 'none',
              customProps: (req: IncomingMessage) => ({
                correlationId: (req as IncomingMessage & { correlationId?: string }).correlationId,
              }),
              // traceId and spanId on every line logged inside a traced request (the request line too).
              mixin: traceFields,
              serializers: {
                req: (req: { method?: string; url?: string }) => ({
                  method: req.method,
                  path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
                }),
                res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
              },
              autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
              quietReqLogger: true,
            },
          }),
        }),
      ],
    };
  }
}
