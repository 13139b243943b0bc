import { currentSession, setSession } from './session';

/** A problem+json answer of an API, with its `AREA.REASON` code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type App = 'care' | 'query' | 'audit' | 'projector';

export interface ApiOptions {
  method?: string;
  body?: unknown;
  idempotencyKey?: string;
  /** Retries after a network failure (writes only with an idempotency key). */
  retries?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls an app's public API through the console's proxy, with the tab's bearer token. */
export async function api<T>(app: App, path: string, options: ApiOptions = {}): Promise<T> {
  const res = await apiResponse(app, path, options);
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export async function apiResponse(app: App, path: string, options: ApiOptions = {}): Promise<Response> {
  const session = currentSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const retries =
    options.retries ?? (options.method && options.method !== 'GET' && !options.idempotencyKey ? 0 : 3);
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`/api/${app}${path}`, {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (err) {
      if (attempt >= retries || options.signal?.aborted) throw err;
      await sleep(500 * 2 ** attempt);
      continue;
    }
    if ((res.status === 502 || res.status === 503 || res.status === 429) && attempt < retries) {
      await sleep(500 * 2 ** attempt);
      continue;
    }
    if (res.status === 401) setSession(null);
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as {
        code?: string;
        detail?: string;
        title?: string;
      };
      throw new ApiError(
        res.status,
        problem.code ?? `HTTP.${res.status}`,
        problem.detail ?? problem.title ?? res.statusText,
      );
    }
    return res;
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every page of a list endpoint (bounded). */
export async function allPages<T>(app: App, path: string, maxPages = 50): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api<Page<T>>(
      app,
      `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}

export const tenantPath = (): string => `/v1/tenants/${encodeURIComponent(currentSession()?.tenantId ?? '')}`;

export function currentMonth(now = new Date()): string {
  return now.toISOString().slice(0, 7);
}

export function monthsBack(n: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}
