import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { ruleFor } from './access-policy';
import { type Endpoint, fillPath, type OpenApiDocument } from './openapi';
import { call, type HttpAppName, type HttpResult, type Platform } from './platform';
import { commandBodyArbitrary, schemaArbitrary } from './schema-arbitrary';
import { receiptOf, type StoreLedger } from './store-ledger';
import { allIds, D1, MONTH, type SeededPatient, type SeededTenant } from './two-tenants';
import { careTimeEvent, type RequestContext, validRequestFor } from './valid-requests';

/**
 * The fuzz of issue 20 (ADR 0809): every app, from one seed. Each request is one of: a valid care-api
 * command with Unicode free text (and sometimes an Idempotency-Key), a schema-derived near-valid or
 * hostile command (Unicode in every string, markers in coded fields, odd headers), a reuse of an
 * earlier key with the same or another body, an import batch, a query-api read with valid or fuzzed
 * parameters, cursors, `asOf` and filters, an audit replay job or job read, and any of those with a bad
 * token. Outcomes asserted exactly where the contract fixes them; never a 5xx anywhere; and after every
 * request every tenant's events, outbox rows and idempotency keys must match the accepted receipts.
 */
export interface FuzzWorld {
  platform: Platform;
  db: Pool;
  /** The tenant the fuzz writes to. */
  tenant: SeededTenant;
  /** Its patients the fuzz acts on (many, so that no stream grows long: a command re-reads its stream). */
  patients: SeededPatient[];
  /** The other tenants (their ids, cursors and jobs are tried on the fuzz tenant's paths). */
  others: SeededTenant[];
  marker: string;
  endpoints: Endpoint[];
  docs: Record<HttpAppName, OpenApiDocument>;
  /** Valid tokens of the fuzz tenant by purpose (HS256 development key and RS256 from the JWKS). */
  tokens: { care: string; careRs: string; read: string; analyst: string; auditor: string };
  /** Tokens that must be refused, each with the one status it must get. */
  badTokens: Record<string, { token: string; status: number }>;
  foreignCursors: string[];
  foreignJobIds: string[];
  ledger: StoreLedger;
  bodyLimitBytes: number;
  /** Where to send each app's requests instead of the platform (a fault proxy in the fault tests). */
  urls?: Partial<Record<FuzzService, string>>;
}

export type FuzzService = 'care-api' | 'query-api' | 'audit';

export interface FuzzResult {
  seed: number;
  requests: number;
  byService: Record<FuzzService, { requests: number; ok2xx: number }>;
  /** Per request kind: counts, statuses, and the time spent answering (ms; the store check excluded). */
  byKind: Record<string, { requests: number; ok2xx: number; statuses: Record<string, number>; ms: number }>;
  /** Time spent in the store check after each request (ms): its cost must stay flat as the store grows. */
  checkMs: number;
  statuses: Record<string, number>;
  fiveHundreds: number;
  partialWrites: number;
  crossTenant: number;
  /** Contract outcomes that were wrong (exact status, replayed body, ...). */
  wrongOutcomes: number;
  failures: string[];
  /** Every error body received (status >= 400), for the PHI scan. */
  errorBodies: string[];
  idempotency: { sameBody: number; differentBody: number };
  badTokensSent: Record<string, number>;
  largeImports: { events: number; bytes: number; status: number }[];
}

/** `other` with the `departmentId` of `first`, when `first` (an object body) named one. */
function withDepartmentOf(first: unknown, other: unknown): unknown {
  const dept = (first as { departmentId?: unknown } | null)?.departmentId;
  if (typeof dept !== 'string' || typeof other !== 'object' || other === null || Array.isArray(other))
    return other;
  return { ...(other as Record<string, unknown>), departmentId: dept };
}

/** mulberry32: small, seeded, good enough to choose among request kinds reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LONE_SURROGATE = '\ud83d';

/** Unicode that breaks naive handling: accents, CJK, emoji, RTL override, BOM, combining marks, NUL. */
export const UNICODE = [
  'é',
  'Müller',
  '東京都',
  '🩺💊',
  '\u202eevil',
  '\ufeff',
  'Z\u0351\u036b\u0343\u036a',
  '\u0000',
  'ﷺ',
  LONE_SURROGATE,
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'ß'.repeat(40),
];

/** Every string in `v` with Unicode mixed in (at the start, the end or replacing it). */
export function unicodeEverywhere(v: unknown, rnd: () => number): unknown {
  if (typeof v === 'string') {
    const u = UNICODE[Math.floor(rnd() * UNICODE.length)]!;
    const r = rnd();
    return r < 0.4 ? `${u}${v}` : r < 0.8 ? `${v}${u}` : u;
  }
  if (Array.isArray(v)) return v.map((x) => unicodeEverywhere(x, rnd));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unicodeEverywhere(x, rnd)]));
  return v;
}

const FREE_TEXT = new Set(['activity', 'reason', 'goals', 'interventions', 'name', 'changes']);
const CODED = [
  'icd10',
  'code',
  'program',
  'kind',
  'method',
  'performerRole',
  'credential',
  'role',
  'timezone',
];

/** Free text of a valid body with Unicode and the marker (still valid: free text is free). */
function unicodeFreeText(v: unknown, marker: string, rnd: () => number, inside = false): unknown {
  if (typeof v === 'string' && inside) return `${marker} ${UNICODE[Math.floor(rnd() * 7)]} ${v}`;
  if (Array.isArray(v)) return v.map((x) => unicodeFreeText(x, marker, rnd, inside));
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, unicodeFreeText(x, marker, rnd, inside || FREE_TEXT.has(k))]),
    );
  return v;
}

/** A coded field (if the body has one) set to the marker: a validation error must not echo it. */
function markCodedField(body: unknown, marker: string, rnd: () => number): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const o = { ...(body as Record<string, unknown>) };
  const present = CODED.filter((k) => k in o);
  const k = present.length > 0 ? present[Math.floor(rnd() * present.length)]! : 'code';
  o[k] = `${marker}${UNICODE[Math.floor(rnd() * 4)]}`;
  return o;
}

const KINDS: [string, number][] = [
  ['care-valid', 24],
  ['care-schema', 14],
  ['idempotency-same', 5],
  ['idempotency-different', 4],
  ['import', 4],
  ['query-valid', 22],
  ['query-fuzzed', 12],
  ['audit', 9],
  ['bad-token', 6],
];

interface KeyRecord {
  key: string;
  method: string;
  path: string;
  body: unknown;
  status: number;
  text: string;
  /** Another valid body for the same endpoint (a different request under the same key). */
  another: () => unknown;
}

export class StoreFuzzer {
  readonly result: FuzzResult;
  private readonly rnd: () => number;
  private readonly care: Endpoint[];
  private readonly reads: Endpoint[];
  private readonly audit: Endpoint[];
  private readonly keys: KeyRecord[] = [];
  private readonly cursors: Record<string, string[]> = {};
  private readonly jobIds: string[] = [];
  private readonly entryIds = new Map<string, string[]>();
  private current: SeededPatient;
  private readonly foreignIds: string[];
  private n = 0;
  private badTokenTurn = 0;

  constructor(
    private readonly w: FuzzWorld,
    readonly seed: number,
  ) {
    this.rnd = prng(seed);
    this.result = {
      seed,
      requests: 0,
      byService: {
        'care-api': { requests: 0, ok2xx: 0 },
        'query-api': { requests: 0, ok2xx: 0 },
        audit: { requests: 0, ok2xx: 0 },
      },
      byKind: {},
      checkMs: 0,
      statuses: {},
      fiveHundreds: 0,
      partialWrites: 0,
      crossTenant: 0,
      wrongOutcomes: 0,
      failures: [],
      errorBodies: [],
      idempotency: { sameBody: 0, differentBody: 0 },
      badTokensSent: {},
      largeImports: [],
    };
    const v1 = w.endpoints.filter((e) => e.path.startsWith('/v1/') && validRequestFor(e));
    this.care = v1.filter((e) => e.app === 'care-api' && e.method === 'POST');
    this.reads = v1.filter((e) => e.app === 'query-api' && e.method === 'GET');
    this.audit = v1.filter((e) => e.app === 'audit');
    for (const p of w.patients) this.entryIds.set(p.patientId, [...p.entryIds]);
    this.current = w.patients[0]!;
    this.foreignIds = w.others.flatMap(allIds);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  /** A value of an arbitrary, reproducibly from the seed. */
  private sample<T>(arb: fc.Arbitrary<T>): T {
    return fc.sample(arb, { seed: Math.floor(this.rnd() * 2 ** 31), numRuns: 1 })[0]!;
  }

  private fail(label: string, what: string): void {
    this.result.wrongOutcomes++;
    if (this.result.failures.length < 50) this.result.failures.push(`${label}: ${what}`);
  }

  private ctx(): RequestContext {
    const p = this.current;
    return {
      fresh: `${++this.n}${randomUUID().slice(0, 4)}`,
      patientId: p.patientId,
      departmentId: D1,
      marker: this.w.marker,
      tenantId: this.w.tenant.tenantId,
    };
  }

  private pathValues(overrides: Record<string, string> = {}): Record<string, string> {
    const p = this.current;
    return {
      tenantId: this.w.tenant.tenantId,
      patientId: p.patientId,
      month: MONTH,
      entryId: this.pick(this.entryIds.get(p.patientId)!),
      consentId: p.consentIds[0]!,
      conditionId: p.conditionIds[0]!,
      carePlanId: p.carePlanIds[0]!,
      jobId: this.jobIds.length > 0 ? this.pick(this.jobIds) : randomUUID(),
      // No restatement is open in the fuzz tenant: a valid resolve answers 404, never a write.
      restatementId: `RS-fuzz-${this.w.tenant.tenantId}`,
      ...overrides,
    };
  }

  /** Sends one request, checks the store and the answer, counts it. */
  private async send(
    kind: string,
    app: FuzzService,
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
    tenantId = this.w.tenant.tenantId,
  ): Promise<HttpResult | null> {
    const label = `#${this.result.requests} ${kind} ${method} ${url.slice(0, 160)}`;
    let r: HttpResult;
    const started = performance.now();
    try {
      r = await call(this.w.urls?.[app] ?? this.w.platform.url(app), method, url, opts);
    } catch (err) {
      this.fail(label, `request failed: ${String(err).slice(0, 200)}`);
      return null;
    }
    const res = this.result;
    res.requests++;
    res.byService[app].requests++;
    const k = (res.byKind[kind] ??= { requests: 0, ok2xx: 0, statuses: {}, ms: 0 });
    k.requests++;
    k.ms += Math.round(performance.now() - started);
    k.statuses[String(r.status)] = (k.statuses[String(r.status)] ?? 0) + 1;
    res.statuses[String(r.status)] = (res.statuses[String(r.status)] ?? 0) + 1;
    if (r.status >= 200 && r.status < 300) {
      res.byService[app].ok2xx++;
      k.ok2xx++;
    }
    if (r.status >= 400) res.errorBodies.push(r.text);
    if (r.status >= 500) {
      res.fiveHundreds++;
      if (res.failures.length < 50) res.failures.push(`${label} -> ${r.status}: ${r.text.slice(0, 300)}`);
    }
    if (app === 'care-api') {
      const sentKey = Object.keys(opts.headers ?? {}).some((h) => h.toLowerCase() === 'idempotency-key');
      this.w.ledger.accept(tenantId, receiptOf(r.status, r.body, r.headers, sentKey));
    }
    const checkStarted = performance.now();
    const diffs = await this.w.ledger.check(label);
    res.checkMs += Math.round(performance.now() - checkStarted);
    if (diffs.length > 0) {
      res.partialWrites += diffs.length;
      if (res.failures.length < 50) res.failures.push(...diffs.slice(0, 3));
    }
    const foreign = this.foreignIds.find((id) => r.text.includes(id));
    if (foreign && r.status < 400) {
      res.crossTenant++;
      this.fail(label, `the answer names another tenant's ${foreign}`);
    }
    return r;
  }

  /**
   * One large import just under the body limit (all accepted) and one just over it (413, nothing
   * written), into tenant `into` (its own, so that the fuzz tenant's streams stay short: a command on a
   * patient re-reads that patient's stream).
   */
  async largeImports(into: SeededTenant, token: string): Promise<void> {
    const url = `/v1/tenants/${into.tenantId}/events:import`;
    // Spread over many registered patients (about ten entries each), as a real import would be.
    const registered = into.events.find(
      (e) => e.type === 'PatientRegistered' && e.patientId === into.patients[0].patientId,
    )!;
    const patientIds = Array.from(
      { length: Math.ceil(this.w.bodyLimitBytes / 5000) },
      (_, k) => `${into.patients[0].patientId}L${k}`,
    );
    const setup = await this.send(
      'import-setup',
      'care-api',
      'POST',
      url,
      { token, body: patientIds.map((patientId) => ({ ...registered, patientId })) },
      into.tenantId,
    );
    if (setup?.status !== 201) this.fail('registering the large import patients', `-> ${setup?.status}`);
    let turn = 0;
    const ctxOf = () => ({
      ...this.ctx(),
      tenantId: into.tenantId,
      patientId: patientIds[turn++ % patientIds.length]!,
    });
    for (const [share, expected] of [
      [0.97, 'accepted'],
      [1.01, 413],
    ] as const) {
      // Events (Unicode free text, so bytes and characters differ) until the body reaches its share of the limit.
      const parts: string[] = [];
      let bytes = 2;
      for (;;) {
        const c = ctxOf();
        const one = JSON.stringify(
          unicodeFreeText(careTimeEvent(c, `IMP-L${c.fresh}`), this.w.marker, this.rnd),
        );
        if (bytes + Buffer.byteLength(one) + 1 > this.w.bodyLimitBytes * share) break;
        parts.push(one);
        bytes += Buffer.byteLength(one) + 1;
      }
      const count = parts.length;
      const rawBody = `[${parts.join(',')}]`;
      const r = await this.send('large-import', 'care-api', 'POST', url, { token, rawBody }, into.tenantId);
      if (!r) continue;
      this.result.largeImports.push({ events: count, bytes: Buffer.byteLength(rawBody), status: r.status });
      const ids = (r.body as { eventIds?: unknown[] } | undefined)?.eventIds;
      if (expected === 'accepted' && (r.status >= 300 || !Array.isArray(ids) || ids.length !== count))
        this.fail(`large import of ${count}`, `-> ${r.status} ${r.text.slice(0, 200)}`);
      if (expected === 413 && r.status !== 413) this.fail(`import over the limit`, `-> ${r.status}`);
    }
  }

  /** Sends `requests` requests of the given kinds (all by default), in the seed's order. */
  async run(requests: number, only?: string[]): Promise<FuzzResult> {
    const kinds = only ? KINDS.filter(([k]) => only.includes(k)) : KINDS;
    const total = kinds.reduce((s, [, w]) => s + w, 0);
    // Every bad token once first, so that each is tried however short the run; then the seeded mix.
    if (kinds.some(([k]) => k === 'bad-token'))
      for (let i = 0; i < Object.keys(this.w.badTokens).length && this.result.requests < requests; i++)
        await this.one('bad-token');
    while (this.result.requests < requests) {
      let x = this.rnd() * total;
      const kind = kinds.find(([, w]) => (x -= w) < 0)![0];
      await this.one(kind);
    }
    return this.result;
  }

  private async one(kind: string): Promise<void> {
    this.current = this.pick(this.w.patients);
    switch (kind) {
      case 'care-valid':
        return this.careValid(kind, this.rnd() < 0.2 ? this.w.tokens.careRs : this.w.tokens.care);
      case 'care-schema':
        return this.careSchema(kind);
      case 'idempotency-same':
      case 'idempotency-different':
        return this.reuseKey(kind);
      case 'import':
        return this.importBatch(kind);
      case 'query-valid':
        return this.query(kind, false);
      case 'query-fuzzed':
        return this.query(kind, true);
      case 'audit':
        return this.auditJob(kind);
      default:
        return this.badToken(kind);
    }
  }

  private async careValid(kind: string, token: string, e = this.pick(this.care)): Promise<void> {
    const c = this.ctx();
    const req = validRequestFor(e)!(c);
    const body = unicodeFreeText(req.body, this.w.marker, this.rnd);
    const url = fillPath(e.path, this.pathValues());
    const key = this.rnd() < 0.6 ? `fz-${c.fresh}-${randomUUID().slice(0, 8)}` : undefined;
    const r = await this.send(kind, 'care-api', 'POST', url, {
      token,
      body,
      headers: { ...(req.headers ?? {}), ...(key ? { 'idempotency-key': key } : {}) },
    });
    if (!r) return;
    if (key)
      this.keys.push({
        key,
        method: 'POST',
        path: url,
        body,
        status: r.status,
        text: r.text,
        another: () => validRequestFor(e)!(this.ctx()).body,
      });
    const entryId = (body as { entryId?: unknown } | undefined)?.entryId;
    if (r.status === 201 && typeof entryId === 'string')
      this.entryIds.get(this.current.patientId)!.push(entryId);
  }

  private async careSchema(kind: string): Promise<void> {
    const e = this.pick(this.care);
    if (e.path.endsWith('events:import')) return this.importBatch(kind);
    const samples: Record<string, unknown[]> = {
      departmentId: [D1],
      entryId: this.entryIds.get(this.current.patientId)!,
    };
    for (const ev of this.w.tenant.events)
      for (const [k, v] of Object.entries((ev.data as Record<string, unknown>) ?? {}))
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
          const known = (samples[k] ??= []);
          if (!known.includes(v)) known.push(v);
        }
    let body = this.sample(
      commandBodyArbitrary(this.w.docs['care-api'], e.bodySchema, this.w.marker, samples),
    );
    const r = this.rnd();
    if (r < 0.35) body = unicodeEverywhere(body, this.rnd);
    else if (r < 0.6) body = markCodedField(body, this.w.marker, this.rnd);
    const headers: Record<string, string> = {};
    const h = this.rnd();
    if (h < 0.15)
      headers['idempotency-key'] = this.pick(['short', 'k'.repeat(129), 'bad key!', 'clé-latin1-ÿ']);
    else if (h < 0.25)
      headers['content-type'] = this.pick([
        'text/plain',
        'application/xml',
        'application/json; charset=latin1',
      ]);
    else if (h < 0.35) headers.traceparent = this.pick(['00-zz-yy-01', '', '00-'.repeat(50)]);
    else if (h < 0.45) headers['idempotency-key'] = `fz-s-${randomUUID()}`;
    const patientId =
      this.rnd() < 0.85
        ? this.w.tenant.patients[this.rnd() < 0.8 ? 0 : 1].patientId
        : this.pick(this.foreignIds);
    const url = fillPath(e.path, this.pathValues({ patientId }));
    const res = await this.send(kind, 'care-api', 'POST', url, { token: this.w.tokens.care, body, headers });
    if (res && headers['idempotency-key']?.startsWith('fz-s-'))
      this.keys.push({
        key: headers['idempotency-key'],
        method: 'POST',
        path: url,
        body,
        status: res.status,
        text: res.text,
        // Valid on its own: a token of several departments must name the one it acts for, so the
        // other body keeps the department the first (accepted) body named.
        another: () => withDepartmentOf(body, validRequestFor(e)!(this.ctx()).body),
      });
  }

  /** ADR 0403: same request -> the first answer byte for byte, replayed; another body -> 422 KEY_REUSED. */
  private async reuseKey(kind: string): Promise<void> {
    const stored = this.keys.filter((k) => k.status === 201);
    if (stored.length === 0) return this.careValid('care-valid', this.w.tokens.care);
    const k = this.pick(stored);
    // Another body that is valid on its own: validation comes first, then the key (ADR 0403). Some
    // endpoints' valid bodies carry no fresh id (a resolve on a date): that "other" body is the same
    // request, and is checked as one.
    const body = kind === 'idempotency-same' ? k.body : k.another();
    const same = JSON.stringify(body) === JSON.stringify(k.body);
    const r = await this.send(kind, 'care-api', k.method, k.path, {
      token: this.w.tokens.care,
      body,
      headers: {
        'idempotency-key': k.key,
        ...(k.path.endsWith('/replays') ? { prefer: 'respond-async' } : {}),
      },
    });
    if (!r) return;
    const label = `${kind} ${k.path} key ${k.key}`;
    if (same) {
      this.result.idempotency.sameBody++;
      if (r.status !== k.status || r.text !== k.text || r.headers.get('idempotent-replayed') !== 'true')
        this.fail(
          label,
          `-> ${r.status} replayed=${r.headers.get('idempotent-replayed')}, first ${k.status}; bodies ${r.text === k.text ? 'equal' : 'differ'}`,
        );
    } else {
      this.result.idempotency.differentBody++;
      const code = (r.body as { code?: string } | undefined)?.code;
      if (r.status !== 422 || code !== 'IDEMPOTENCY.KEY_REUSED')
        this.fail(label, `another body -> ${r.status} ${code}, expected 422 IDEMPOTENCY.KEY_REUSED`);
    }
  }

  private async importBatch(kind: string): Promise<void> {
    const url = `/v1/tenants/${this.w.tenant.tenantId}/events:import`;
    const n = 1 + Math.floor(this.rnd() * 5);
    const batch = () =>
      Array.from({ length: n }, () => {
        const c = this.ctx();
        return unicodeFreeText(careTimeEvent(c, `IMP-${c.fresh}`), this.w.marker, this.rnd);
      });
    const events: unknown[] = batch();
    const r = this.rnd();
    if (r < 0.25) events.push(this.sample(fc.jsonValue({ maxDepth: 3 })));
    else if (r < 0.4) events[0] = unicodeEverywhere(events[0], this.rnd);
    else if (r < 0.5) events[0] = { ...(events[0] as object), tenantId: this.w.others[0]!.tenantId };
    const key = this.rnd() < 0.4 ? `fz-i-${randomUUID()}` : undefined;
    const res = await this.send(kind, 'care-api', 'POST', url, {
      token: this.w.tokens.care,
      body: events,
      headers: key ? { 'idempotency-key': key } : {},
    });
    if (res && key)
      this.keys.push({
        key,
        method: 'POST',
        path: url,
        body: events,
        status: res.status,
        text: res.text,
        another: batch,
      });
  }

  private queryValue(name: string, e: Endpoint, fuzzed: boolean): string {
    const own = this.cursors[e.path] ?? [];
    // The marker never as a well-formed id or code (an accepted id is an id, not PHI, and is logged).
    const junk = [
      `${this.w.marker} x`,
      `${this.w.marker}${this.pick(UNICODE)}`,
      this.pick(UNICODE),
      "' OR 1=1 --",
      '',
      '%00',
    ];
    if (!fuzzed) {
      const valid: Record<string, () => string> = {
        month: () => MONTH,
        limit: () => String(1 + Math.floor(this.rnd() * 50)),
        cursor: () => (own.length > 0 ? this.pick(own) : ''),
        asOf: () => new Date(Date.now() - Math.floor(this.rnd() * 86_400_000)).toISOString(),
        program: () => 'CCM',
        patientId: () => this.w.tenant.patients[0].patientId,
        departmentId: () => D1,
        practitionerId: () => 'DR-PCP1',
        code: () => '99490',
      };
      return valid[name]?.() ?? '';
    }
    switch (name) {
      case 'month':
        return this.pick([MONTH, '2025-13', '2025-6', '0000-00', ...junk]);
      case 'limit':
        return this.pick(['0', '-1', '1001', '1e3', 'abc', '1', '1000', ...junk]);
      case 'cursor': {
        const real = own.length > 0 ? this.pick(own) : 'x';
        const flipped = real.slice(0, -2) + (real.endsWith('A') ? 'B' : 'A') + real.slice(-1);
        return this.pick([
          real,
          flipped,
          ...(this.w.foreignCursors.length > 0 ? [this.pick(this.w.foreignCursors)] : []),
          Buffer.from('{"p":-1}').toString('base64url'),
          ...junk,
        ]);
      }
      case 'asOf':
        return this.pick([
          '2025-06-30T23:59:59Z',
          '2025-02-30T00:00:00Z',
          '9999-12-31T23:59:59Z',
          'yesterday',
          ...junk,
        ]);
      case 'program':
        return this.pick(['CCM', 'PCM', 'BHI', 'RPM', 'ccm', ...junk]);
      case 'patientId':
        return this.pick([this.w.tenant.patients[0].patientId, this.pick(this.foreignIds), ...junk]);
      case 'departmentId':
        return this.pick([D1, 'behavioral-health', ...junk]);
      default:
        return this.pick(['DR-PCP1', '99490', 'E11.9', ...junk]);
    }
  }

  private async query(kind: string, fuzzed: boolean): Promise<void> {
    const e = this.pick(this.reads);
    const q: Record<string, string> = { ...(validRequestFor(e)!(this.ctx()).query ?? {}) };
    for (const p of e.queryParams)
      if (this.rnd() < (fuzzed ? 0.5 : 0.25) || (p.name === 'cursor' && this.rnd() < 0.4)) {
        const v = this.queryValue(p.name, e, fuzzed);
        if (fuzzed || v !== '') q[p.name] = v;
      }
    if (fuzzed && this.rnd() < 0.2) q[this.pick(['unknown', '__proto__', 'tenantId'])] = this.w.marker;
    const patientId =
      fuzzed && this.rnd() < 0.3
        ? this.pick(this.foreignIds)
        : this.w.tenant.patients[this.rnd() < 0.7 ? 0 : 1].patientId;
    const url = `${fillPath(e.path, this.pathValues({ patientId }))}?${new URLSearchParams(q).toString()}`;
    const analyst = ruleFor(e)?.allowed.includes('analyst') === true && this.rnd() < 0.2;
    const token = analyst ? this.w.tokens.analyst : this.w.tokens.read;
    const r = await this.send(kind, 'query-api', 'GET', url, { token });
    const next = (r?.body as { nextCursor?: string | null } | undefined)?.nextCursor;
    if (next) (this.cursors[e.path] ??= []).push(next);
  }

  private async auditJob(kind: string): Promise<void> {
    const tenant = this.w.tenant.tenantId;
    const x = this.rnd();
    if (x < 0.25) {
      const valid = { month: MONTH, patientId: this.w.tenant.patients[0].patientId };
      const post = this.audit.find((e) => e.method === 'POST')!;
      const body =
        this.rnd() < 0.5 ? valid : this.sample(schemaArbitrary(this.w.docs.audit, post.bodySchema, 3));
      const r = await this.send(kind, 'audit', 'POST', `/v1/tenants/${tenant}/replays`, {
        token: this.w.tokens.auditor,
        body: this.rnd() < 0.3 ? unicodeEverywhere(body, this.rnd) : body,
        headers: { prefer: 'respond-async' },
      });
      const jobId = (r?.body as { jobId?: string } | undefined)?.jobId;
      if (jobId) this.jobIds.push(jobId);
    } else if (x < 0.55) {
      const q = new URLSearchParams({ limit: String(1 + Math.floor(this.rnd() * 20)) });
      const own = this.cursors.replays ?? [];
      if (this.rnd() < 0.4)
        q.set(
          'cursor',
          this.queryValue('cursor', { path: 'replays' } as Endpoint, this.rnd() < 0.5 || own.length === 0),
        );
      const r = await this.send(kind, 'audit', 'GET', `/v1/tenants/${tenant}/replays?${q.toString()}`, {
        token: this.w.tokens.auditor,
      });
      const next = (r?.body as { nextCursor?: string | null } | undefined)?.nextCursor;
      if (next) (this.cursors.replays ??= []).push(next);
    } else {
      const foreign = this.rnd() < 0.35 && this.w.foreignJobIds.length > 0;
      const jobId = foreign
        ? this.pick(this.w.foreignJobIds)
        : this.jobIds.length > 0 && this.rnd() < 0.8
          ? this.pick(this.jobIds)
          : this.pick([randomUUID(), 'not-a-uuid', this.pick(UNICODE.filter((u) => u !== LONE_SURROGATE))]);
      const r = await this.send(
        kind,
        'audit',
        'GET',
        `/v1/tenants/${tenant}/replays/${encodeURIComponent(jobId)}`,
        {
          token: this.w.tokens.auditor,
        },
      );
      if (r && foreign && r.status !== 404)
        this.fail(`audit job of another tenant ${jobId}`, `-> ${r.status}, expected 404`);
    }
  }

  private async badToken(kind: string): Promise<void> {
    // In turn, so that every bad token is tried however short the run.
    const names = Object.keys(this.w.badTokens);
    const name = names[this.badTokenTurn++ % names.length]!;
    const { token, status } = this.w.badTokens[name]!;
    this.result.badTokensSent[name] = (this.result.badTokensSent[name] ?? 0) + 1;
    const which = this.rnd();
    let r: HttpResult | null;
    if (which < 0.4) {
      const e = this.pick(this.care);
      const req = validRequestFor(e)!(this.ctx());
      r = await this.send(kind, 'care-api', 'POST', fillPath(e.path, this.pathValues()), {
        token,
        body: req.body,
        headers: { ...(req.headers ?? {}), 'idempotency-key': `fz-t-${randomUUID()}` },
      });
    } else if (which < 0.8) {
      const e = this.pick(this.reads);
      const q = new URLSearchParams(validRequestFor(e)!(this.ctx()).query ?? {}).toString();
      r = await this.send(kind, 'query-api', 'GET', `${fillPath(e.path, this.pathValues())}?${q}`, { token });
    } else {
      r = await this.send(kind, 'audit', 'GET', `/v1/tenants/${this.w.tenant.tenantId}/replays?limit=5`, {
        token,
      });
    }
    if (r && r.status !== status) this.fail(`bad token ${name}`, `-> ${r.status}, expected ${status}`);
  }
}

/** The share of requests answered 2xx, and the failure when it is under the floor issue 20 sets (30 %). */
export function shareCheck(result: FuzzResult, floor = 0.3): { share: number; failure: string | null } {
  const ok = Object.values(result.byService).reduce((s, x) => s + x.ok2xx, 0);
  const share = result.requests === 0 ? 0 : ok / result.requests;
  return {
    share: Math.round(share * 1000) / 1000,
    failure:
      share >= floor
        ? null
        : `only ${(share * 100).toFixed(1)} % of ${result.requests} requests reached a 2xx (floor ${floor * 100} %)`,
  };
}

/** Parses an Express body limit (`5mb`, `512kb`) into bytes, as the `bytes` package does. */
export function bodyLimitBytes(limit: string): number {
  const m = /^(\d+)(kb|mb)$/i.exec(limit);
  if (!m) throw new Error(`body limit ${limit} is not NNkb or NNmb`);
  return Number(m[1]) * (m[2]!.toLowerCase() === 'mb' ? 1024 * 1024 : 1024);
}
