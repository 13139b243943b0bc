import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import type { Role } from '@careledger/auth';
import { AppProcess } from '../reliability/support/app-process';
import { freePort, pollUntil } from '../reliability/support/free-port';
import { ALL_ROLES, FREE_TEXT_FIELDS, ruleFor } from './support/access-policy';
import { type Endpoint, fillPath, resolveSchema } from './support/openapi';
import { call, ensureTopic, Platform, type HttpResult } from './support/platform';
import { recordSuite } from './support/reliability-report';
import { commandBodyArbitrary } from './support/schema-arbitrary';

/**
 * Issue 8 against the four apps running as real processes on the real PostgreSQL (careledger_test) and
 * the shared Kafka broker (a topic of this run's own):
 *  - the role x tenant x department matrix over every endpoint of every OpenAPI document;
 *  - fast-check fuzzing of every command body and the import endpoint (never a 5xx, never a partial append);
 *  - the PHI scan: free text carries a unique marker; no log line, Kafka key or header, and no problem
 *    body contains it, and analysts never receive free-text fields.
 */
const MARKER = `PHIMARK${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const RUN = randomUUID().slice(0, 8);
const TENANT = `sec-a-${RUN}`;
const OTHER_TENANT = `sec-b-${RUN}`;
const DEPARTMENT = 'primary-care';
const FUZZ_RUNS_TOTAL = Number(process.env.CARELEDGER_FUZZ_RUNS ?? 10_000);
const SCENARIO = path.resolve(
  __dirname,
  '../../../shared/conformance/scenarios/09-ccm-voided-and-amended-entries.json',
);

const db = new Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'careledger_test', max: 4 });
const topic = `careledger.security.${RUN}`;
const dlqTopic = `${topic}.dlq`;
const platform = new Platform({
  db: { host: '127.0.0.1', port: 5432, database: 'careledger_test' },
  brokers: '127.0.0.1:9092',
  topic,
  dlqTopic,
  groupId: `careledger-security-${RUN}`,
  logLevel: 'debug',
});

interface Scenario {
  events: Record<string, unknown>[];
}

/** The scenario's events under `tenantId`, every free-text value carrying the marker. */
function seedEvents(tenantId: string): { events: Record<string, unknown>[]; patientId: string } {
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as Scenario;
  let patientId = '';
  const mark = (v: unknown): unknown =>
    typeof v === 'string'
      ? `${MARKER} ${v}`
      : Array.isArray(v)
        ? v.map(mark)
        : v && typeof v === 'object'
          ? markAll(v as Record<string, unknown>)
          : v;
  const markAll = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, FREE_TEXT_FIELDS.includes(k) ? mark(v) : v]));
  const events = scenario.events.map((e) => {
    if (typeof e.patientId === 'string') patientId = e.patientId;
    return { ...e, tenantId, data: markAll(e.data as Record<string, unknown>) };
  });
  return { events, patientId };
}

async function eventCount(tenantId: string): Promise<{ count: number; versions: string }> {
  const { rows } = await db.query<{ count: string; versions: string | null }>(
    `SELECT coalesce(sum(n), 0)::text AS count,
            coalesce(string_agg(stream_id || '@' || v::text, ',' ORDER BY stream_id), '') AS versions
       FROM (SELECT stream_id, max(stream_version) AS v, count(*) AS n FROM events WHERE tenant_id = $1 GROUP BY stream_id) s`,
    [tenantId],
  );
  return { count: Number(rows[0]?.count ?? 0), versions: rows[0]?.versions ?? '' };
}

async function eventTotal(tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM events WHERE tenant_id = $1',
    [tenantId],
  );
  return Number(rows[0]!.n);
}

/** Values for path parameters: the seeded patient, a month with data, ids of things that may not exist. */
function pathValues(tenantId: string, patientId: string): Record<string, string> {
  const values: Record<string, string> = {
    tenantId,
    patientId,
    month: '2025-06',
    yyyyMm: '2025-06',
    jobId: randomUUID(),
    entryId: 'E-unknown',
    conditionId: 'C-unknown',
    consentId: 'CON-unknown',
    carePlanId: 'CP-unknown',
  };
  return new Proxy(values, { get: (t, k: string) => t[k] ?? 'x-1' });
}

function containsFreeText(value: unknown, found: string[] = [], at = '$'): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => containsFreeText(v, found, `${at}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // A reason *code* (`BEFORE_CONSENT`) is not free text; any other value under a free-text key is.
      const isCode = typeof v === 'string' && /^[A-Z][A-Z0-9_]*$/.test(v);
      if (FREE_TEXT_FIELDS.includes(k) && v !== null && v !== undefined && !isCode) found.push(`${at}.${k}`);
      containsFreeText(v, found, `${at}.${k}`);
    }
  }
  return found;
}

/** Values of `data[name]` in the seed events (entry, consent, care-plan, condition ids), for path parameters. */
function seededIds(events: Record<string, unknown>[], name: string): string[] {
  const out = new Set<string>();
  for (const e of events) {
    const v = (e.data as Record<string, unknown> | undefined)?.[name];
    if (typeof v === 'string') out.add(v);
  }
  return [...out];
}

let endpoints: Endpoint[] = [];
let seededPatient = '';
let baselineEvents = 0;

beforeAll(async () => {
  await ensureTopic('127.0.0.1:9092', topic, 3);
  await ensureTopic('127.0.0.1:9092', dlqTopic, 1);
  await platform.start();
  endpoints = await platform.endpoints();
  const admin = await platform.token(TENANT, ['admin'], [DEPARTMENT, 'administration']);
  const seed = seedEvents(TENANT);
  seededPatient = seed.patientId;
  const res = await call(platform.url('care-api'), 'POST', `/v1/tenants/${TENANT}/events:import`, {
    token: admin,
    body: seed.events,
  });
  expect([200, 201]).toContain(res.status);
  baselineEvents = await eventTotal(TENANT);
  expect(baselineEvents).toBe(seed.events.length);
  // Wait for the projector so that reads return real rows.
  await pollUntil(
    'the projector to project the seeded events',
    async () => {
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM projected_events WHERE tenant_id = $1',
        [TENANT],
      );
      return Number(rows[0]!.n) >= seed.events.length;
    },
    60_000,
    250,
  );
}, 180_000);

afterAll(async () => {
  await platform.stop();
  await db.end();
});

describe('authorization matrix (every endpoint x every role x own/other tenant/other department)', () => {
  it('classifies every endpoint of every OpenAPI document under the role model', () => {
    const tenantEndpoints = endpoints.filter((e) => e.path.startsWith('/v1/'));
    const unclassified = tenantEndpoints
      .filter((e) => !ruleFor(e))
      .map((e) => `${e.app} ${e.method} ${e.path}`);
    expect(unclassified).toEqual([]);
    expect(tenantEndpoints.length).toBeGreaterThan(0);
  });

  it('answers each role as the policy says, 404 for another tenant, 401 without a valid token', async () => {
    const mismatches: string[] = [];
    let leaks = 0;
    let checked = 0;
    const tenantEndpoints = endpoints.filter((e) => e.path.startsWith('/v1/') && ruleFor(e));
    const otherTokens = new Map<Role, string>();
    const ownTokens = new Map<Role, string>();
    for (const role of ALL_ROLES) {
      ownTokens.set(role, await platform.token(TENANT, [role], [DEPARTMENT]));
      otherTokens.set(role, await platform.token(OTHER_TENANT, [role], [DEPARTMENT]));
    }
    for (const e of tenantEndpoints) {
      const rule = ruleFor(e)!;
      const base = platform.url(e.app as 'care-api');
      const body =
        e.method === 'GET'
          ? undefined
          : e.bodySchema && resolveSchema({ paths: {} }, e.bodySchema)?.type === 'array'
            ? []
            : {};
      const ownPath = fillPath(e.path, pathValues(TENANT, seededPatient));
      const before = await eventTotal(TENANT);
      // No token, a token of another issuer's key: 401.
      for (const token of [undefined, `${ownTokens.get('admin')!.slice(0, -4)}AAAA`]) {
        const r = await call(base, e.method, ownPath, { token, body });
        checked++;
        if (r.status !== 401)
          mismatches.push(
            `${e.method} ${e.path} ${token ? 'forged' : 'no'} token -> ${r.status}, expected 401`,
          );
      }
      for (const role of ALL_ROLES) {
        const own = await call(base, e.method, ownPath, { token: ownTokens.get(role), body });
        checked++;
        const allowed = rule.allowed.includes(role);
        if (allowed && (own.status === 401 || own.status === 403)) {
          mismatches.push(
            `${e.app} ${e.method} ${e.path} as ${role} -> ${own.status}, expected access (policy "${rule.name}")`,
          );
        }
        if (!allowed && own.status !== 403) {
          mismatches.push(
            `${e.app} ${e.method} ${e.path} as ${role} -> ${own.status}, expected 403 (policy "${rule.name}")`,
          );
        }
        if (own.status >= 500) mismatches.push(`${e.app} ${e.method} ${e.path} as ${role} -> ${own.status}`);
        if (role === 'analyst' && own.status === 200) {
          const free = containsFreeText(own.body);
          if (free.length > 0 || own.text.includes(MARKER)) {
            mismatches.push(
              `${e.method} ${e.path}: analyst received free text at ${free.slice(0, 3).join(', ') || 'marker'}`,
            );
          }
          // De-identified: pseudonymous patient ids only, never the tenant's own patient id.
          if (own.text.includes(`"${seededPatient}"`) || own.text.split(/[\r\n,]/).includes(seededPatient)) {
            mismatches.push(`${e.method} ${e.path}: analyst received the real patient id`);
          }
        }
        // Another tenant: 404, whatever the role, and nothing of the other tenant in the body.
        const other = await call(base, e.method, fillPath(e.path, pathValues(TENANT, seededPatient)), {
          token: otherTokens.get(role),
          body,
        });
        checked++;
        // The problem body's `instance` echoes the caller's own URL; anything else naming tenant A's data is a leak.
        const otherBody = JSON.stringify({ ...((other.body as object) ?? {}), instance: undefined });
        if (other.status !== 404 || otherBody.includes(`"${seededPatient}"`) || other.text.includes(MARKER)) {
          leaks++;
          mismatches.push(
            `${e.app} ${e.method} ${e.path} as ${role} of another tenant -> ${other.status}, expected 404`,
          );
        }
      }
      const after = await eventTotal(TENANT);
      if (after !== before)
        mismatches.push(
          `${e.method} ${e.path}: the matrix's empty-body requests appended ${after - before} events`,
        );
    }
    recordSuite('matrix', {
      counters: { endpointsInMatrix: tenantEndpoints.length, crossTenantLeaks: leaks },
      details: {
        requests: checked,
        roles: ALL_ROLES,
        mismatches: mismatches.length,
        apps: [...new Set(tenantEndpoints.map((e) => e.app))],
      },
    });
    expect(mismatches).toEqual([]);
  }, 300_000);
});

describe('department scoping on writes', () => {
  it('refuses a write for a department the token does not grant (403) and appends nothing; accepts its own', async () => {
    const body = (entryId: string, departmentId: string) => ({
      entryId,
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: '2025-06-25T10:00:00-04:00',
      minutes: 5,
      activity: `${MARKER} call`,
      departmentId,
    });
    const url = `/v1/tenants/${TENANT}/patients/${seededPatient}/care-time`;
    for (const role of ['care_manager', 'practitioner'] as Role[]) {
      const token = await platform.token(TENANT, [role], [DEPARTMENT]);
      const before = await eventTotal(TENANT);
      const other = await call(platform.url('care-api'), 'POST', url, {
        token,
        body: body(`E-${role}-x`, 'behavioral-health'),
      });
      expect(other.status).toBe(403);
      expect(await eventTotal(TENANT)).toBe(before);
      const own = await call(platform.url('care-api'), 'POST', url, {
        token,
        body: body(`E-${role}-ok`, DEPARTMENT),
      });
      expect(own.status).toBe(201);
      expect(await eventTotal(TENANT)).toBe(before + 1);
    }
  }, 60_000);
});

describe('token verification and hardening', () => {
  it('refuses tokens with a wrong issuer, audience, key or algorithm, expired, or without a tenant (401)', async () => {
    const key = new TextEncoder().encode(platform.env.CARELEDGER_AUTH_DEV_KEY);
    const claims = { tenantId: TENANT, roles: ['auditor'], departments: [] };
    const sign = (
      edit: (j: SignJWT) => SignJWT,
      k: Uint8Array = key,
      payload: Record<string, unknown> = claims,
    ) =>
      edit(new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setSubject('u-x').setIssuedAt()).sign(k);
    const { issuer, audience } = platform.config.auth;
    const good = (j: SignJWT) => j.setIssuer(issuer).setAudience(audience).setExpirationTime('1h');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({
        ...claims,
        sub: 'u-x',
        iss: issuer,
        aud: audience,
        exp: Math.floor(Date.now() / 1000) + 3600,
      }),
    ).toString('base64url')}.`;
    const bad: Record<string, string> = {
      wrongIssuer: await sign((j) => j.setIssuer('evil').setAudience(audience).setExpirationTime('1h')),
      wrongAudience: await sign((j) => j.setIssuer(issuer).setAudience('other-api').setExpirationTime('1h')),
      expired: await sign((j) =>
        j
          .setIssuer(issuer)
          .setAudience(audience)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 600),
      ),
      noExpiry: await sign((j) => j.setIssuer(issuer).setAudience(audience)),
      otherKey: await sign(good, new TextEncoder().encode('another-development-key-of-32-characters!')),
      noTenant: await sign(good, key, { roles: ['auditor'] }),
      unknownRole: await sign(good, key, { ...claims, roles: ['superuser'] }),
      algNone: none,
    };
    const control = await sign(good);
    const url = `/v1/tenants/${TENANT}/replays`;
    expect((await call(platform.url('audit'), 'GET', url, { token: control })).status).toBe(200);
    const answers = Object.fromEntries(
      await Promise.all(
        Object.entries(bad).map(async ([name, t]) => [
          name,
          (await call(platform.url('audit'), 'GET', url, { token: t })).status,
        ]),
      ),
    );
    expect(answers).toEqual(Object.fromEntries(Object.keys(bad).map((k) => [k, 401])));
  });

  it('sends security headers, keeps CORS closed, limits bodies (413) and never returns a stack trace', async () => {
    const admin = await platform.token(TENANT, ['admin'], ['administration']);
    for (const app of ['care-api', 'query-api', 'audit'] as const) {
      const res = await call(platform.url(app), 'GET', `/v1/tenants/${TENANT}/nothing-here`, {
        token: admin,
        headers: { origin: 'https://evil.example' },
      });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBeTruthy();
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${platform.url(app)}/v1/tenants/${TENANT}/replays`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    }
    const big = await call(platform.url('care-api'), 'POST', `/v1/tenants/${TENANT}/events:import`, {
      token: admin,
      rawBody: `[${'"x",'.repeat(2_000_000)}"x"]`,
    });
    expect(big.status).toBe(413);
    expect((big.body as { code: string }).code).toBe('HTTP.PAYLOAD_TOO_LARGE');
    const broken = await call(platform.url('care-api'), 'POST', `/v1/tenants/${TENANT}/events:import`, {
      token: admin,
      rawBody: '[{"type": ',
    });
    expect(broken.status).toBe(400);
    for (const r of [big, broken]) {
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.text).not.toMatch(/\bat [^ ]+ \(|\.ts:\d+|node_modules|stack/);
    }
  });

  it('limits writes per token: 429 problem+json with Retry-After beyond the burst, other tokens unaffected', async () => {
    const port = await freePort();
    const limited = new AppProcess(
      'care-api-limited',
      'apps/care-api/src/main.ts',
      {
        ...platform.env,
        CARELEDGER_CARE_API_PORT: String(port),
        CARELEDGER_RELAY_ENABLED: 'false',
        CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: '1',
        CARELEDGER_RATE_LIMIT_WRITE_BURST: '5',
      },
      `http://127.0.0.1:${port}/health`,
    );
    try {
      await limited.start(90_000);
      const base = `http://127.0.0.1:${port}`;
      const one = await platform.token(TENANT, ['care_manager'], [DEPARTMENT], 'u-rate-1');
      const two = await platform.token(TENANT, ['care_manager'], [DEPARTMENT], 'u-rate-2');
      const url = `/v1/tenants/${TENANT}/patients/${seededPatient}/care-time`;
      const statuses: number[] = [];
      let limitedResponse: HttpResult | undefined;
      for (let i = 0; i < 12; i++) {
        const r = await call(base, 'POST', url, { token: one, body: {} });
        statuses.push(r.status);
        if (r.status === 429) limitedResponse ??= r;
      }
      expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(5);
      expect(statuses).toContain(429);
      expect(limitedResponse!.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((limitedResponse!.body as { code: string }).code).toBe('HTTP.RATE_LIMITED');
      expect((await call(base, 'POST', url, { token: two, body: {} })).status).toBe(400);
      expect((await call(base, 'GET', '/health')).status).toBe(200);
    } finally {
      await limited.kill('SIGTERM');
    }
  }, 120_000);
});

describe('fuzzing every command body and the import endpoint', () => {
  it(`never answers 5xx and never appends part of a rejected request (${FUZZ_RUNS_TOTAL} requests)`, async () => {
    const commands = endpoints.filter((e) => e.app === 'care-api' && e.method === 'POST');
    expect(commands.length).toBeGreaterThan(0);
    const doc = await platform.openApi('care-api');
    const fuzzTenant = `sec-f-${RUN}`;
    const roles: Role[] = ['admin', 'care_manager', 'practitioner', 'billing'];
    const token = await platform.token(fuzzTenant, roles, [
      DEPARTMENT,
      'administration',
      'behavioral-health',
    ]);
    // Seed the fuzz tenant with the scenario, so that commands on its patient get past "unknown patient".
    const seed = seedEvents(fuzzTenant);
    const seeded = await call(platform.url('care-api'), 'POST', `/v1/tenants/${fuzzTenant}/events:import`, {
      token,
      body: seed.events,
    });
    expect([200, 201]).toContain(seeded.status);
    const perEndpoint = Math.ceil(FUZZ_RUNS_TOTAL / commands.length);
    // Values that exist in the seeded tenant, by property name (practitioners, consents, entries, ...).
    const samples: Record<string, unknown[]> = { departmentId: [DEPARTMENT] };
    for (const ev of seed.events) {
      for (const [k, v] of Object.entries((ev.data as Record<string, unknown>) ?? {})) {
        const known = (samples[k] ??= []);
        if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && !known.includes(v))
          known.push(v);
      }
    }
    let requests = 0;
    let fiveHundreds = 0;
    let partial = 0;
    const statuses: Record<number, number> = {};
    const failures: string[] = [];
    for (const e of commands) {
      const isImport = e.path.endsWith('events:import');
      const bodyArb = isImport
        ? fc.array(
            fc.oneof(
              fc.constantFrom(...seed.events).map((ev) => ({ ...ev, tenantId: fuzzTenant })),
              fc.constantFrom(...seed.events).chain((ev) =>
                fc
                  .record({
                    k: fc.constantFrom(...Object.keys(ev), 'data', 'type', 'occurredAt'),
                    v: fc.jsonValue({ maxDepth: 2 }),
                  })
                  .map(({ k, v }) => ({ ...ev, tenantId: fuzzTenant, [k]: v })),
              ),
              fc.jsonValue({ maxDepth: 3 }),
            ),
            { maxLength: 6 },
          )
        : commandBodyArbitrary(doc, e.bodySchema, MARKER, samples);
      const patientArb = fc.oneof(
        { arbitrary: fc.constant(seed.patientId), weight: 8 },
        { arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), weight: 2 },
      );
      // Path ids (entry, consent, care plan, condition) mostly name things that exist, so amend/void/revoke get deep.
      const idArb = (name: string): fc.Arbitrary<string> => {
        const known = seededIds(seed.events, name);
        return known.length > 0
          ? fc.oneof(
              { arbitrary: fc.constantFrom(...known), weight: 8 },
              { arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/), weight: 2 },
            )
          : fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
      };
      const extraParams = e.pathParams.filter((p) => p !== 'tenantId' && p !== 'patientId');
      const paramsArb = fc.record(Object.fromEntries(extraParams.map((p) => [p, idArb(p)]))) as fc.Arbitrary<
        Record<string, string>
      >;
      await fc
        .assert(
          fc.asyncProperty(
            bodyArb,
            patientArb,
            paramsArb,
            fc.boolean(),
            async (body, patientId, params, idempotent) => {
              const before = await eventCount(fuzzTenant);
              const url = fillPath(e.path, { ...params, tenantId: fuzzTenant, patientId });
              let res: HttpResult;
              try {
                res = await call(platform.url('care-api'), 'POST', url, {
                  token,
                  body,
                  headers: idempotent ? { 'idempotency-key': randomUUID() } : {},
                });
              } catch (err) {
                failures.push(`${e.path}: request failed: ${String(err)}`);
                return false;
              }
              requests++;
              statuses[res.status] = (statuses[res.status] ?? 0) + 1;
              const after = await eventCount(fuzzTenant);
              if (res.status >= 500) {
                fiveHundreds++;
                failures.push(
                  `${e.path} -> ${res.status}: ${res.text.slice(0, 300)} for ${JSON.stringify(body).slice(0, 300)}`,
                );
              }
              if (res.status >= 400 && (after.count !== before.count || after.versions !== before.versions)) {
                partial++;
                failures.push(`${e.path} -> ${res.status} but appended ${after.count - before.count} events`);
              }
              if (res.status < 300) {
                const ids = (res.body as { eventIds?: unknown[] } | undefined)?.eventIds;
                if (Array.isArray(ids) && after.count - before.count !== ids.length) {
                  partial++;
                  failures.push(
                    `${e.path} -> ${res.status} reported ${ids.length} events, appended ${after.count - before.count}`,
                  );
                }
              }
              return res.status < 500;
            },
          ),
          {
            numRuns: perEndpoint,
            seed: Number(process.env.CARELEDGER_FUZZ_SEED ?? Date.now() % 2 ** 31),
            endOnFailure: false,
          },
        )
        .catch((err: unknown) => failures.push(String(err).slice(0, 2000)));
    }
    recordSuite('fuzz', {
      counters: { fuzzRequests: requests, fuzz5xx: fiveHundreds, partialAppends: partial },
      details: {
        endpoints: commands.map((c) => c.path),
        perEndpoint,
        statuses,
        failures: failures.slice(0, 20),
      },
    });
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(FUZZ_RUNS_TOTAL);
  }, 600_000);
});

describe('PHI-safe by construction', () => {
  it('reads and replays are access-logged and auditors can query the access log', async () => {
    const billing = await platform.token(TENANT, ['billing'], [], `u-billing-${RUN}`);
    const reads = endpoints.filter(
      (e) =>
        e.app === 'query-api' &&
        e.method === 'GET' &&
        e.path.startsWith('/v1/') &&
        ruleFor(e)?.allowed.includes('billing'),
    );
    for (const e of reads)
      await call(platform.url('query-api'), 'GET', fillPath(e.path, pathValues(TENANT, seededPatient)), {
        token: billing,
      });
    const auditor = await platform.token(TENANT, ['auditor']);
    const logHost = endpoints.find((e) => e.path.endsWith('/access-log'));
    expect(logHost).toBeDefined();
    const res = await call(
      platform.url(logHost!.app as 'audit'),
      'GET',
      `/v1/tenants/${TENANT}/access-log?subject=u-billing-${RUN}&limit=1000`,
      { token: auditor },
    );
    expect(res.status).toBe(200);
    const items = (res.body as { items: { subject: string; tenantId: string; action: string }[] }).items;
    expect(items.length).toBeGreaterThanOrEqual(reads.length);
    expect(items.every((i) => i.subject === `u-billing-${RUN}` && i.tenantId === TENANT)).toBe(true);
    await expect(
      db.query('UPDATE access_log SET subject = $1 WHERE tenant_id = $2', ['x', TENANT]),
    ).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM access_log WHERE tenant_id = $1', [TENANT])).rejects.toThrow(
      /append-only/,
    );
  }, 120_000);

  it('no log line, Kafka key or header, problem body or access-log row carries a free-text marker', async () => {
    // Problem bodies: free text in fields that fail validation must not be echoed.
    const cm = await platform.token(TENANT, ['care_manager', 'practitioner'], [DEPARTMENT]);
    const problems: HttpResult[] = [];
    for (const e of endpoints.filter((x) => x.app === 'care-api' && x.method === 'POST')) {
      const url = fillPath(e.path, pathValues(TENANT, seededPatient));
      problems.push(
        await call(platform.url('care-api'), 'POST', url, {
          token: cm,
          body: { activity: MARKER, reason: MARKER, minutes: MARKER, startedAt: MARKER, goals: [MARKER] },
        }),
      );
      problems.push(
        await call(platform.url('care-api'), 'POST', url, {
          token: cm,
          rawBody: `{"activity": "${MARKER}", `,
        }),
      );
    }
    const echoed = problems.filter((p) => p.text.includes(MARKER)).map((p) => p.text.slice(0, 200));
    // Kafka: every key and header of this run's topics.
    const kafka = new Kafka({
      clientId: `sec-scan-${RUN}`,
      brokers: ['127.0.0.1:9092'],
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `sec-scan-${RUN}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic, dlqTopic], fromBeginning: true });
    const expected = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM outbox o JOIN events e USING (global_position) WHERE e.tenant_id IN ($1, $2)`,
      [TENANT, `sec-f-${RUN}`],
    );
    let messages = 0;
    const keyLeaks: string[] = [];
    await consumer.run({
      eachMessage: async ({ message, topic: t }) => {
        messages++;
        const key = message.key?.toString() ?? '';
        if (key.includes(MARKER)) keyLeaks.push(`${t} key`);
        for (const [name, v] of Object.entries(message.headers ?? {})) {
          const s = Array.isArray(v) ? v.map(String).join(',') : String(v ?? '');
          if (s.includes(MARKER) || name.includes(MARKER)) keyLeaks.push(`${t} header ${name}`);
        }
      },
    });
    await pollUntil(
      'every published event to be scanned',
      () => messages >= Number(expected.rows[0]!.n),
      60_000,
      250,
    );
    await consumer.disconnect();
    const accessRows = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM access_log WHERE target::text LIKE $1 OR route LIKE $1`,
      [`%${MARKER}%`],
    );
    const logLines = platform.allLogLines();
    const logLeaks = logLines.filter((l) => l.includes(MARKER));
    recordSuite('phi', {
      counters: {},
      details: {
        marker: 'PHIMARK<random>',
        logLinesScanned: logLines.length,
        kafkaMessagesScanned: messages,
        problemBodiesScanned: problems.length,
        leaks: logLeaks.length + keyLeaks.length + echoed.length,
      },
    });
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLeaks.slice(0, 5)).toEqual([]);
    expect(keyLeaks.slice(0, 5)).toEqual([]);
    expect(echoed.slice(0, 5)).toEqual([]);
    expect(Number(accessRows.rows[0]!.n)).toBe(0);
  }, 180_000);
});
