import * as fs from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { type CareLedgerConfig, repoRoot } from '@careledger/config';
import { mintDevToken, ROLES, type Role } from '@careledger/auth';

/** Where `vite build` writes the single-page app (apps/console/web/vite.config.mjs). */
export function consoleWebDir(): string {
  return path.join(repoRoot(), 'dist', 'console-web');
}

/** The API prefixes the console proxies, each to one app (ADR 1000): the browser sees one origin. */
export function apiTargets(config: CareLedgerConfig): Record<string, string> {
  const base = (port: number): string =>
    `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
  return {
    care: base(config.http.careApiPort),
    query: base(config.http.queryApiPort),
    audit: base(config.http.auditPort),
    projector: base(config.http.projectorPort),
  };
}

/** What the SPA needs to know before sign-in (no secret in it). */
export interface ConsoleSettings {
  /** The role picker is offered (development key enabled). */
  devSignIn: boolean;
  roles: readonly Role[];
  /** OpenID Connect sign-in, when the issuer is a URL (production). */
  oidc: { issuer: string; clientId: string; audience: string } | null;
}

export function consoleSettings(config: CareLedgerConfig): ConsoleSettings {
  const issuerIsUrl = /^https?:\/\//.test(config.auth.issuer);
  return {
    devSignIn: config.auth.devKeyEnabled && Boolean(config.auth.devKey),
    roles: ROLES,
    oidc: issuerIsUrl
      ? { issuer: config.auth.issuer, clientId: config.console.oidcClientId, audience: config.auth.audience }
      : null,
  };
}

const CLAIM_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Problem+json like the apps (`AREA.REASON` codes, the field named). */
function problem(res: Response, status: number, code: string, detail: string, field?: string): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({
      type: 'about:blank',
      status,
      code,
      detail,
      ...(field ? { errors: [{ field, message: detail }] } : {}),
    });
}

/**
 * The role picker's token: minted with the development key, only when it is enabled (never in
 * production, where `mintDevToken` refuses). The console never sees the key itself.
 */
async function devToken(config: CareLedgerConfig, req: Request, res: Response): Promise<void> {
  const body = (req.body ?? {}) as { role?: unknown; tenantId?: unknown; departments?: unknown };
  if (!consoleSettings(config).devSignIn) {
    return problem(res, 404, 'CONSOLE.DEV_SIGN_IN_DISABLED', 'Development sign-in is not enabled here');
  }
  if (typeof body.role !== 'string' || !(ROLES as readonly string[]).includes(body.role)) {
    return problem(res, 400, 'CONSOLE.INVALID_ROLE', `role must be one of ${ROLES.join(', ')}`, 'role');
  }
  if (typeof body.tenantId !== 'string' || !CLAIM_ID.test(body.tenantId)) {
    return problem(res, 400, 'CONSOLE.INVALID_TENANT', 'tenantId must be an id', 'tenantId');
  }
  const departments = body.departments ?? [];
  if (!Array.isArray(departments) || !departments.every((d) => typeof d === 'string' && CLAIM_ID.test(d))) {
    return problem(
      res,
      400,
      'CONSOLE.INVALID_DEPARTMENTS',
      'departments must be a list of ids',
      'departments',
    );
  }
  const token = await mintDevToken(config, {
    tenantId: body.tenantId,
    roles: [body.role as Role],
    departments: departments as string[],
    sub: `console-${body.role}`,
    ttl: '8h',
  });
  res.json({ token });
}

/**
 * The console's HTTP server: the built SPA (index.html for every client-side route), its settings, the
 * development role picker, and `/api/{care,query,audit,projector}/...` proxied to the apps unchanged
 * (the bearer token passes through; the apps check it as for any client).
 */
export function createConsoleApp(config: CareLedgerConfig, webDir = consoleWebDir()): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const connect = ["'self'"];
  const oidc = consoleSettings(config).oidc;
  if (oidc) connect.push(new URL(oidc.issuer).origin);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': connect,
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  for (const [name, target] of Object.entries(apiTargets(config))) {
    app.use(
      `/api/${name}`,
      createProxyMiddleware({
        target,
        changeOrigin: true,
        xfwd: true,
        proxyTimeout: config.http.requestTimeoutMs + 5_000,
        on: {
          error: (_err, _req, res) => {
            const r = res as Response;
            if (typeof r.status === 'function' && !r.headersSent) {
              problem(r, 502, 'CONSOLE.UPSTREAM_UNAVAILABLE', `${name} is not reachable`);
            } else if ('destroy' in res) res.destroy();
          },
        },
      }),
    );
  }
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', web: fs.existsSync(path.join(webDir, 'index.html')) });
  });
  app.get('/console/settings.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(consoleSettings(config));
  });
  app.post('/console/dev-token', express.json({ limit: '4kb' }), (req, res, next) => {
    devToken(config, req, res).catch(next);
  });
  app.use(
    express.static(webDir, {
      index: false,
      setHeaders: (res, file) => {
        res.setHeader(
          'Cache-Control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  // Client-side routes: every other GET that accepts HTML is the app.
  app.get(/^\/(?!api\/|console\/).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    const index = path.join(webDir, 'index.html');
    if (!fs.existsSync(index)) {
      return problem(res, 503, 'CONSOLE.NOT_BUILT', 'The console is not built: run `npm run console:build`');
    }
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const status = (err as { status?: number }).status ?? 500;
    problem(
      res,
      status,
      status === 400 ? 'REQUEST.INVALID' : 'CONSOLE.ERROR',
      status === 400 ? 'The request body is not valid JSON' : 'Internal error',
    );
  });
  return app;
}

/** Listens on the console port; resolves with the server once it listens. */
export function startConsoleServer(
  config: CareLedgerConfig,
  port = config.http.consolePort,
): Promise<Server> {
  const app = createConsoleApp(config);
  return new Promise((resolve, reject) => {
    const server = app.listen(port, config.http.host, (err?: Error) => (err ? reject(err) : resolve(server)));
    // As the apps' holdIdleConnections (libs/http, ADR 0407): the browser, not the server, closes idle sockets.
    server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
    server.headersTimeout = config.http.keepAliveTimeoutMs + 1_000;
    server.once('error', reject);
  });
}
