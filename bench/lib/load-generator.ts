/**
 * The HTTP bench's load generator, in a process of its own (so its CPU is not the measured app's,
 * nor the bench stage's). Usage: fork(load-generator.js) and send one {@link LoadRequest}; it answers
 * one {@link LoadResult} and exits. Requests cycle through the JSON file of `{ path, body }` entries.
 * Every non-2xx answer is tallied by status and the problem body's `code`.
 */
import * as fs from 'node:fs';

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  /** Requests per second offered; null: as fast as the connections allow (saturation). */
  rate: number | null;
  seconds: number;
  connections: number;
  /** JSON file: `{ path: string; body: string }[]`; `@N@` in a body becomes a per-request tag. */
  requestsFile: string;
  /** Prefix of the per-request tags, unique per run (a reused tag would be a duplicate entry). */
  runTag: string;
}

export interface LoadResult {
  p50: number;
  p99: number;
  /** Requests per second answered (any status). */
  requestsPerSecond: number;
  /** 2xx answers per second. */
  okPerSecond: number;
  total: number;
  ok: number;
  /** Non-2xx answers, keyed `"<status> <code>"` (code `-` when the body carried none). */
  non2xx: Record<string, number>;
  /** Socket errors and timeouts of the generator (no HTTP answer at all). */
  errors: number;
  timeouts: number;
}

interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  duration: number;
  '2xx': number;
  errors: number;
  timeouts: number;
}

type Autocannon = (opts: object) => Promise<AutocannonResult>;

function codeOf(body: string): string {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'string' && code.length <= 80 ? code : '-';
  } catch {
    return '-';
  }
}

export async function generateLoad(r: LoadRequest): Promise<LoadResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const entries = JSON.parse(fs.readFileSync(r.requestsFile, 'utf8')) as { path: string; body: string }[];
  if (entries.length === 0) throw new Error('load generator: no requests to send');
  const non2xx: Record<string, number> = {};
  let n = 0;
  const result = await autocannon({
    url: r.url,
    connections: r.connections,
    ...(r.rate === null ? {} : { overallRate: r.rate }),
    duration: r.seconds,
    headers: { 'content-type': 'application/json', ...r.headers },
    requests: [
      {
        method: 'POST',
        setupRequest: (req: object) => {
          const e = entries[n++ % entries.length]!;
          return { ...req, path: e.path, body: e.body.replace('@N@', `${r.runTag}${n}`) };
        },
        onResponse: (status: number, body: string) => {
          if (status >= 200 && status < 300) return;
          const key = `${status} ${codeOf(body)}`;
          non2xx[key] = (non2xx[key] ?? 0) + 1;
        },
      },
    ],
  });
  const seconds = result.duration || r.seconds;
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    requestsPerSecond: Math.round(result.requests.total / seconds),
    okPerSecond: Math.round(result['2xx'] / seconds),
    total: result.requests.total,
    ok: result['2xx'],
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(0));
  process.once('message', (m: LoadRequest) => {
    generateLoad(m).then(
      (result) => process.send!({ kind: 'load-result', result }, () => process.exit(0)),
      (err: Error) => process.send!({ kind: 'load-error', message: err.message }, () => process.exit(1)),
    );
  });
}
