import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import type { Role } from '@careledger/auth';
import { AppProcess } from '../reliability/support/app-process';
import { freePort, pollUntil } from '../reliability/support/free-port';
import { testConfig } from '@careledger/testing/infra';
import { AccessMatrix } from './support/access-matrix';
import { ALL_ROLES, ruleFor } from './support/access-policy';
import { type Endpoint, fillPath, PUBLIC_PATHS } from './support/openapi';
import { call, ensureTopic, Platform, type HttpResult } from './support/platform';
import { recordSuite, suiteCount } from './support/reliability-report';
import { D1, MONTH, seedTenant, type SeededTenant } from './support/two-tenants';
import { validRequestFor } from './support/valid-requests';
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
const DEPARTMENT = D1;
const FUZZ_RUNS_TOTAL = suiteCount('CARELEDGER_FUZZ_RUNS', 1200, 10_000);

// The helper's own database and broker (CARELEDGER_DB_NAME, CARELEDGER_KAFKA_BROKERS), never fixed names.
const infra = testConfig();
const BROKERS = infra.kafka.brokers.join(',');
const db = new Pool({ ...infra.db, password: infra.db.password || undefined, max: 4 });
const topic = `careledger.security.${RUN}`;
const dlqTopic = `${topic}.dlq`;
const platform = new Platform({
  db: { host: infra.db.host, port: infra.db.port, database: infra.db.database },
  brokers: BROKERS,
  topic,
  dlqTopic,
  groupId: `careledger-security-${RUN}`,
  logLevel: 'debug',
});

const tenantA = seedTenant(TENANT, `S${RUN.slice(0, 4)}A`, MARKER);
const tenantB = seedTenant(OTHER_TENANT, `S${RUN.slice(0, 4)}B`, MARKER);

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

/** Values for path parameters: tenant A's first patient and its real objects. */
function pathValues(tenantId: string, patientId: string): Record<string, string> {
  const p = tenantA.patients[0];
  return {
    tenantId,
    patientId,
    month: MONTH,
    jobId: jobIds[TENANT] ?? randomUUID(),
    entryId: p.entryIds[0]!,
    conditionId: p.conditionIds[0]!,
    consentId: p.consentIds[0]!,
    carePlanId: p.carePlanIds[0]!,
  };
}

let endpoints: Endpoint[] = [];
let seededPatient = '';
const jobIds: Record<string, string> = {};
const cursors: Record<string, string> = {};

async function seed(t: SeededTenant): Promise<void> {
  const admin = await platform.token(t.tenantId, ['admin'], [DEPARTMENT, 'administration']);
  const res = await call(platform.url('care-api'), 'POST', `/v1/tenants/${t.tenantId}/events:import`, {
    token: admin,
    body: t.events,
  });
  expect([200, 201]).toContain(res.status);
  expect(await eventTotal(t.tenantId)).toBe(t.events.length);
  // A closed month: the billing office claims the D1 patient's month.
  const billing = await platform.token(t.tenantId, ['billing']);
  const claim = await call(
    platform.url('care-api'),
    'POST',
    `/v1/tenants/${t.tenantId}/patients/${t.patients[0].patientId}/month-claims`,
    {
      token: billing,
      body: {
        month: MONTH,
        program: 'CCM',
        billingPractitionerId: 'DR-PCP1',
        lines: [{ code: '99490', units: 1 }],
      },
    },
  );
  expect(claim.status).toBe(201);
}

beforeAll(async () => {
  await ensureTopic(BROKERS, topic, 3);
  await ensureTopic(BROKERS, dlqTopic, 1);
  await platform.start();
  endpoints = await platform.endpoints();
  seededPatient = tenantA.patients[0].patientId;
  await seed(tenantA);
  await seed(tenantB);
  // Wait for the projector so that reads return real rows.
  const expected = tenantA.events.length + tenantB.events.length + 2;
  await pollUntil(
    'the projector to project the seeded events',
    async () => {
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM projected_events WHERE tenant_id IN ($1, $2)',
        [TENANT, OTHER_TENANT],
      );
      return Number(rows[0]!.n) >= expected;
    },
    90_000,
    250,
  );
  // Real replay jobs and list cursors in each tenant.
  for (const t of [tenantA, tenantB]) {
    const auditor = await platform.token(t.tenantId, ['auditor']);
    const job = await call(platform.url('audit'), 'POST', `/v1/tenants/${t.tenantId}/replays`, {
      token: auditor,
      body: { month: MONTH, patientId: t.patients[0].patientId },
      headers: { prefer: 'respond-async' },
    });
    expect(job.status).toBe(202);
    jobIds[t.tenantId] = (job.body as { jobId: string }).jobId;
    const billing = await platform.token(t.tenantId, ['billing']);
    const page = await call(
      platform.url('query-api'),
      'GET',
      `/v1/tenants/${t.tenantId}/billing-lines?limit=1`,
      {
        token: billing,
      },
    );
    expect(page.status).toBe(200);
    const cursor = (page.body as { nextCursor: string | null }).nextCursor;
    if (cursor) cursors[t.tenantId] = cursor;
    else {
      const mm = await call(
        platform.url('query-api'),
        'GET',
        `/v1/tenants/${t.tenantId}/monthly-minutes?limit=1`,
        {
          token: billing,
        },
      );
      cursors[t.tenantId] = (mm.body as { nextCursor: string }).nextCursor;
    }
    expect(cursors[t.tenantId]).toBeTruthy();
  }
}, 240_000);

afterAll(async () => {
  await platform.stop();
  await db.end();
});

describe('authorization matrix (every endpoint x role x department x tenant, real objects, exact outcomes)', () => {
  const matrix = () =>
    new AccessMatrix({
      platform,
      a: tenantA,
      b: tenantB,
      marker: MARKER,
      jobIds,
      cursors,
      eventCount: async () =>
        (
          await db.query<{ n: string }>(
            'SELECT count(*)::text AS n FROM events WHERE tenant_id IN ($1, $2)',
            [TENANT, OTHER_TENANT],
          )
        ).rows.map((r) => Number(r.n))[0]!,
    });

  it('has a rule and a valid request for every endpoint of every OpenAPI document, and no catch-all', () => {
    const tenantEndpoints = endpoints.filter((e) => e.path.startsWith('/v1/'));
    expect(matrix().unclassified(tenantEndpoints)).toEqual([]);
    expect(tenantEndpoints.length).toBeGreaterThanOrEqual(30);
    // Every other path must be a public one (health, docs): nothing outside /v1 escapes the matrix.
    expect(
      endpoints.filter((e) => !e.path.startsWith('/v1/') && !PUBLIC_PATHS.some((p) => p.test(e.path))),
    ).toEqual([]);
  });

  it("classifies a new endpoint without a rule as a failure, not under a neighbour's rule", () => {
    const invented: Endpoint = {
      app: 'query-api',
      method: 'GET',
      path: '/v1/tenants/{tenantId}/patients/{patientId}/notes',
      operationId: 'x',
      pathParams: ['tenantId', 'patientId'],
      queryParams: [],
      jsonBody: true,
    };
    expect(matrix().unclassified([invented])).toEqual([
      'query-api GET /v1/tenants/{tenantId}/patients/{patientId}/notes (no rule)',
    ]);
  });

  it('serves /health and the OpenAPI documents (/docs, /docs-json) without a token on every app', async () => {
    for (const app of ['care-api', 'query-api', 'audit'] as const) {
      for (const p of ['/health', '/docs', '/docs-json']) {
        const r = await call(platform.url(app), 'GET', p);
        expect(`${app} ${p} ${r.status}`).toBe(`${app} ${p} 200`);
      }
    }
  });

  it("answers every role x department x tenant exactly as the policy says, with only the caller's data", async () => {
    const tenantEndpoints = endpoints.filter(
      (e) => e.path.startsWith('/v1/') && ruleFor(e) && validRequestFor(e),
    );
    const m = matrix();
    for (const e of tenantEndpoints) await m.run(e);
    recordSuite('matrix', {
      counters: {
        endpointsInMatrix: tenantEndpoints.length,
        crossTenantLeaks: m.result.crossTenantLeaks,
        departmentLeaks: m.result.departmentLeaks,
        matrixRequests: m.result.requests,
      },
      counts: { endpoints: tenantEndpoints.length, roles: ALL_ROLES.length, departments: 2, tenants: 2 },
      details: {
        roles: ALL_ROLES,
        legs: [
          'no token',
          'forged token',
          'own department',
          'other department',
          'other tenant on the owner URL',
          'other tenant with the owner ids',
          'other tenant with the owner cursor',
        ],
        statuses: m.result.statuses,
        cursorsTried: m.result.cursorsTried,
        cursorsRejected: m.result.cursorsRejected,
        mismatches: m.result.mismatches.length,
        firstMismatches: m.result.mismatches.slice(0, 10),
        apps: [...new Set(tenantEndpoints.map((e) => e.app))],
        fhirBase: 'none: no app serves a FHIR endpoint',
      },
    });
    expect(m.result.mismatches).toEqual([]);
  }, 420_000);
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
    const fuzzSeed = seedTenant(fuzzTenant, `S${RUN.slice(0, 4)}F`, MARKER);
    const seed = { events: fuzzSeed.events, patientId: fuzzSeed.patients[0].patientId };
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
        const known = [
          ...new Set(
            seed.events
              .map((ev) => (ev.data as Record<string, unknown>)[name])
              .filter((v): v is string => typeof v === 'string'),
          ),
        ];
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
      brokers: BROKERS.split(','),
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
      counters: {
        phiMarkersFound: logLeaks.length + keyLeaks.length + echoed.length + Number(accessRows.rows[0]!.n),
      },
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
