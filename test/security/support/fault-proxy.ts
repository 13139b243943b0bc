import * as http from 'node:http';
import { freePort } from '../../reliability/support/free-port';

/**
 * A deliberately broken build for the fault-injection tests of issue 20 (ADR 0809): an HTTP proxy in
 * front of one real app that rewrites requests or responses the way a bug in a guard, an idempotency
 * interceptor or an error filter would. Each check of the security suites is run once through such a
 * proxy and must then report the fault; a check that still passes there cannot fail and proves nothing.
 */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface FaultHooks {
  request?: (r: ProxiedRequest) => Promise<ProxiedRequest> | ProxiedRequest;
  response?: (res: ProxiedResponse, req: ProxiedRequest) => Promise<ProxiedResponse> | ProxiedResponse;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export class FaultProxy {
  private server?: http.Server;
  port = 0;

  constructor(
    private readonly target: string,
    private readonly hooks: FaultHooks,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.forward(req, Buffer.concat(chunks))
          .then((out) => {
            res.writeHead(out.status, out.headers);
            res.end(out.body);
          })
          .catch((err: unknown) => {
            res.writeHead(599, { 'content-type': 'text/plain' });
            res.end(`fault proxy: ${String(err)}`);
          });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  private async forward(req: http.IncomingMessage, body: Buffer): Promise<ProxiedResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    let r: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body };
    if (this.hooks.request) r = await this.hooks.request(r);
    const res = await fetch(`${this.target}${r.path}`, {
      method: r.method,
      headers: r.headers,
      body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
    });
    const out: ProxiedResponse = {
      status: res.status,
      headers: Object.fromEntries([...res.headers.entries()].filter(([k]) => !HOP.has(k))),
      body: Buffer.from(await res.arrayBuffer()),
    };
    delete out.headers['content-encoding'];
    return this.hooks.response ? this.hooks.response(out, r) : out;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The claims of a JWT, unverified (the proxy plays a broken guard, it does not check anything). */
export function unverifiedClaims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}
