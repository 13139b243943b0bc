import { SingleBar } from 'cli-progress';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { type CareLedgerConfig, loadReferenceData } from '@careledger/config';
import { mintDevToken, ROLES, type Role } from '@careledger/auth';
import type { ContractEvent } from '@careledger/domain';
import { generateHealthSystem } from '@careledger/testing/generator';

/** The demo health system's fixed identity (issue 9). */
export const DEMO_TENANT = 'demo-health';
export const DEMO_SEED = 2026;
/** Patients when `CARELEDGER_DEMO_PATIENTS` is unset (issue 9: "about 500"). */
export const DEFAULT_DEMO_PATIENTS = 500;
const PATIENTS_PER_REQUEST = 25;
/** Departments of the generator's catalog; the printed tokens carry all of them. */
const DEMO_DEPARTMENTS = [
  'primary-care',
  'behavioral-health',
  'care-management',
  'cardiology',
  'registration',
  'billing',
  'administration',
];

/** A failure of the demo load, with what to do next in the message. */
export class DemoLoadError extends Error {
  readonly code = 'DEMO.LOAD_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'DemoLoadError';
  }
}

/** The demo's three months: the two full calendar months before the anchor's month, and the anchor's month. */
export function demoMonths(anchor: DateTime): { full: [string, string]; current: string } {
  const m0 = anchor.toUTC().startOf('month');
  return {
    full: [m0.minus({ months: 2 }).toFormat('yyyy-MM'), m0.minus({ months: 1 }).toFormat('yyyy-MM')],
    current: m0.toFormat('yyyy-MM'),
  };
}

/**
 * What identifies one demo load: the generator's seed and size and the knowledge cut-off ("now" of
 * the first load, to the minute). The same plan always generates the same events, so a load that was
 * interrupted is resumed by sending the same batches again under the same idempotency keys.
 */
export interface DemoPlan {
  seed: number;
  patients: number;
  /** UTC instant, minute precision, `yyyy-MM-ddTHH:mmZ`. */
  anchor: string;
}

const KEY_PREFIX = 'demo:v1:';

/** `demo:v1:<seed>:<patients>:<anchor>:<i>-of-<n>`: the idempotency key of batch i of n (care-api allows A-Z a-z 0-9 . _ : -). */
export function batchKey(plan: DemoPlan, i: number, n: number): string {
  return `${KEY_PREFIX}${plan.seed}:${plan.patients}:${plan.anchor}:${i}-of-${n}`;
}

/** Parses a key made by {@link batchKey}; undefined for any other key. */
export function parseBatchKey(key: string): { plan: DemoPlan; i: number; n: number } | undefined {
  const m = /^demo:v1:(-?\d+):(\d+):(\d{4}-\d\d-\d\dT\d\d:\d\dZ):(\d+)-of-(\d+)$/.exec(key);
  if (!m) return undefined;
  return {
    plan: { seed: Number(m[1]), patients: Number(m[2]), anchor: m[3]! },
    i: Number(m[4]),
    n: Number(m[5]),
  };
}

/**
 * The state of the demo in the database, from the idempotency keys of its import batches:
 * `absent` (nothing of demo-health), `complete`, `partial` (an interrupted load: resume it with the
 * same plan), or `foreign` (demo-health has events that `npm start` did not load: leave them alone).
 */
export type DemoState =
  | { kind: 'absent' }
  | { kind: 'complete'; plan: DemoPlan; batches: number }
  | { kind: 'partial'; plan: DemoPlan; done: number; batches: number }
  | { kind: 'foreign'; events: number };

/** Decides the demo's state from the stored batch keys and the tenant's event count (pure). */
export function demoState(keys: readonly string[], events: number): DemoState {
  const parsed = keys.map(parseBatchKey).filter((k): k is NonNullable<typeof k> => k !== undefined);
  if (parsed.length === 0) return events > 0 ? { kind: 'foreign', events } : { kind: 'absent' };
  // One plan per database in practice; if several were ever started, the earliest anchor is the one loaded first.
  parsed.sort((a, b) => a.plan.anchor.localeCompare(b.plan.anchor));
  const plan = parsed[0]!.plan;
  const mine = parsed.filter(
    (k) => k.plan.anchor === plan.anchor && k.plan.seed === plan.seed && k.plan.patients === plan.patients,
  );
  const batches = mine[0]!.n;
  const done = new Set(mine.map((k) => k.i)).size;
  return done >= batches ? { kind: 'complete', plan, batches } : { kind: 'partial', plan, done, batches };
}

/** Groups events into import requests: the tenant stream first, then whole patient streams together. */
export function importBatches(
  events: readonly ContractEvent[],
  patientsPerRequest: number,
): ContractEvent[][] {
  const reference = events.filter((e) => e.patientId === undefined);
  const byPatient = new Map<string, ContractEvent[]>();
  for (const e of events) {
    if (e.patientId === undefined) continue;
    let list = byPatient.get(e.patientId);
    if (!list) byPatient.set(e.patientId, (list = []));
    list.push(e);
  }
  const batches: ContractEvent[][] = [reference];
  let current: ContractEvent[] = [];
  let patients = 0;
  for (const list of byPatient.values()) {
    current.push(...list);
    if (++patients % patientsPerRequest === 0) {
      batches.push(current);
      current = [];
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The demo's events for a plan (deterministic: same plan, same events). */
export function demoEvents(config: CareLedgerConfig, plan: DemoPlan): ContractEvent[] {
  const anchor = DateTime.fromISO(plan.anchor, { zone: 'utc' });
  const months = demoMonths(anchor);
  return generateHealthSystem({
    seed: plan.seed,
    tenantId: DEMO_TENANT,
    patients: plan.patients,
    months: [...months.full, months.current],
    organizations: 2,
    until: anchor.toISO(),
    reference: loadReferenceData(config.dataDir),
  });
}

function progressBar(label: string, total: number): { update(n: number): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: `${label} [{bar}] {value}/{total} events | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
    });
    bar.start(total, 0);
    return { update: (n) => bar.update(n), stop: () => bar.stop() };
  }
  let lastPercent = -1;
  return {
    update: (n) => {
      const percent = Math.floor((n / total) * 10) * 10;
      if (percent !== lastPercent) {
        lastPercent = percent;
        process.stderr.write(`${label}: ${n}/${total} events (${percent}%)\n`);
      }
    },
    stop: () => undefined,
  };
}

async function withClient<T>(config: CareLedgerConfig, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Reads the demo's state: its batch keys in `idempotency_keys` and its event count. */
export async function readDemoState(config: CareLedgerConfig): Promise<DemoState> {
  return withClient(config, async (client) => {
    const keys = await client.query<{ k: string }>(
      `SELECT idempotency_key AS k FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key LIKE 'demo:v1:%'`,
      [DEMO_TENANT],
    );
    const events = await client.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM events WHERE tenant_id = $1',
      [DEMO_TENANT],
    );
    return demoState(
      keys.rows.map((r) => r.k),
      Number(events.rows[0]?.n ?? 0),
    );
  });
}

async function latestPosition(config: CareLedgerConfig): Promise<number> {
  return withClient(config, async (client) => {
    const r = await client.query<{ p: string | null }>(
      'SELECT max(global_position)::text AS p FROM events WHERE tenant_id = $1',
      [DEMO_TENANT],
    );
    return Number(r.rows[0]?.p ?? 0);
  });
}

/**
 * POST with bounded retries on what is transient: a dropped connection, 429 (the per-token write
 * limit) and 5xx. Safe because every batch carries its idempotency key: a retried batch that did
 * commit the first time is answered from the stored response, never appended twice.
 */
async function postWithRetry(url: string, init: RequestInit, attempts = 5): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let res: Response | undefined;
    let failure: unknown;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
    } catch (err) {
      failure = err;
    }
    const transient = res === undefined || res.status === 429 || res.status >= 500;
    if (!transient || attempt >= attempts) {
      if (res) return res;
      throw failure;
    }
    const retryAfter = Number(res?.headers.get('retry-after') ?? '');
    if (res) await res.arrayBuffer();
    const pause = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt;
    await new Promise((r) => setTimeout(r, pause));
  }
}

async function importAll(
  config: CareLedgerConfig,
  token: string,
  plan: DemoPlan,
  batches: ContractEvent[][],
): Promise<number> {
  const url = `http://${config.http.host}:${config.http.careApiPort}/v1/tenants/${DEMO_TENANT}/events:import`;
  const total = batches.reduce((n, b) => n + b.length, 0);
  const bar = progressBar(`Loading ${DEMO_TENANT}`, total);
  let done = 0;
  let lastPosition = 0;
  try {
    for (const [i, batch] of batches.entries()) {
      const res = await postWithRetry(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          // an interrupted load re-sends the same batches under the same keys: nothing is appended twice
          'idempotency-key': batchKey(plan, i, batches.length),
        },
        body: JSON.stringify(batch),
      });
      if (res.status !== 201 && res.status !== 200) {
        const text = await res.text();
        let problem: { code?: string; errors?: { field?: string }[] } = {};
        try {
          problem = JSON.parse(text) as typeof problem;
        } catch {
          /* not problem+json */
        }
        const aboutEvents = (problem.errors ?? []).some((e) => e.field?.startsWith('['));
        const hint =
          res.status === 401 || res.status === 403
            ? 'The development signing key of the apps and of this command differ: delete .infra/dev.env and run npm start again.'
            : aboutEvents
              ? 'The demo generator produced events the write side refuses: a bug in libs/testing/src/generator. ' +
                'Meanwhile start without the demo: npm start -- --no-demo'
              : 'See the problem above and the [care-api] lines; npm start -- --no-demo starts without the demo.';
        throw new DemoLoadError(
          `care-api refused demo import batch ${i + 1} of ${batches.length} (HTTP ${res.status}${problem.code ? ` ${problem.code}` : ''}): ` +
            `${text.slice(0, 400)}\n${hint}`,
        );
      }
      const body = (await res.json()) as { globalPosition: number };
      lastPosition = Math.max(lastPosition, body.globalPosition);
      done += batch.length;
      bar.update(done);
    }
  } finally {
    bar.stop();
  }
  return lastPosition;
}

/** Waits until query-api has projected `position` (read-your-writes through `minPosition`). */
async function waitForProjections(
  config: CareLedgerConfig,
  token: string,
  position: number,
  deadlineMs: number,
): Promise<void> {
  const url = `http://${config.http.host}:${config.http.queryApiPort}/v1/tenants/${DEMO_TENANT}/worklist?limit=1&minPosition=${position}`;
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 200) {
      await res.arrayBuffer();
      return;
    }
    const seen = res.headers.get('x-projection-position') ?? '?';
    if (seen !== last) {
      last = seen;
      process.stderr.write(`Projecting ${DEMO_TENANT}: position ${seen} of ${position}\n`);
    }
    await res.arrayBuffer();
    // query-api itself waits up to CARELEDGER_READ_MIN_POSITION_WAIT_MS; a 0 wait must not spin
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DemoLoadError(
    `the projector did not reach position ${position} within ${deadlineMs / 1000} s; see the [projector] lines above ` +
      '(careledger projections status shows its progress)',
  );
}

/** A patient with billed lines in `month`: the third tour command explains that patient's month. */
async function samplePatient(
  config: CareLedgerConfig,
  token: string,
  month: string,
): Promise<string | undefined> {
  const url = `http://${config.http.host}:${config.http.queryApiPort}/v1/tenants/${DEMO_TENANT}/billing-lines?month=${month}&limit=1`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return undefined;
  const body = (await res.json()) as { items?: { patientId?: string }[] };
  return body.items?.[0]?.patientId;
}

/** The four tour commands of the printed block (issue 9), in the issue's order. */
export interface TourCommands {
  worklist: string;
  billingLines: string;
  patientMonth: string;
  auditReplay: string;
}

/** Builds the tour commands for the demo's months (also used by the README and the start e2e test). */
export function tourCommands(
  config: CareLedgerConfig,
  months: { full: [string, string]; current: string },
  patientId: string,
): TourCommands {
  const q = `http://${config.http.host}:${config.http.queryApiPort}/v1/tenants/${DEMO_TENANT}`;
  const lastMonth = months.full[1];
  return {
    worklist: `curl -s -H "Authorization: Bearer $CL_CARE_MANAGER" "${q}/worklist?month=${months.current}&limit=10"`,
    billingLines: `curl -s -H "Authorization: Bearer $CL_BILLING" "${q}/billing-lines?month=${lastMonth}&limit=20"`,
    patientMonth: `curl -s -H "Authorization: Bearer $CL_BILLING" "${q}/patients/${patientId}/months/${lastMonth}"`,
    auditReplay: `npm run --silent careledger -- audit replay --tenant ${DEMO_TENANT} --month ${lastMonth} --out audit-replay-${lastMonth}.json`,
  };
}

/**
 * Loads the demo health system and waits for its projections; returns the lines of the printed
 * block: a token per role and the four tour commands. Idempotent and resumable: a complete load is
 * never repeated (a second `npm start` prints the same tour), an interrupted one is finished with
 * the same plan, and a demo-health tenant that `npm start` did not load is left alone.
 */
export async function loadDemo(
  config: CareLedgerConfig,
  options: { demo: boolean; now?: DateTime },
): Promise<string[]> {
  const now = (options.now ?? DateTime.utc()).toUTC();
  const tokens = Object.fromEntries(
    await Promise.all(
      ROLES.map(
        async (role: Role) =>
          [
            role,
            await mintDevToken(config, {
              tenantId: DEMO_TENANT,
              roles: [role],
              departments: DEMO_DEPARTMENTS,
              ttl: '12h',
            }),
          ] as const,
      ),
    ),
  ) as Record<Role, string>;
  let anchor = now;
  if (options.demo) {
    const state = await readDemoState(config);
    let plan: DemoPlan;
    if (state.kind === 'complete') {
      plan = state.plan;
      process.stderr.write(
        `${DEMO_TENANT} is already loaded (${state.plan.patients} patients, as of ${state.plan.anchor}); not loading it again.\n`,
      );
    } else if (state.kind === 'foreign') {
      plan = { seed: DEMO_SEED, patients: 0, anchor: now.toFormat("yyyy-MM-dd'T'HH:mm'Z'") };
      process.stderr.write(
        `${DEMO_TENANT} already has ${state.events} events that npm start did not load; leaving them alone.\n`,
      );
    } else {
      plan =
        state.kind === 'partial'
          ? state.plan
          : {
              seed: DEMO_SEED,
              patients: config.demoPatients ?? DEFAULT_DEMO_PATIENTS,
              anchor: now.toFormat("yyyy-MM-dd'T'HH:mm'Z'"),
            };
      const months = demoMonths(DateTime.fromISO(plan.anchor, { zone: 'utc' }));
      if (state.kind === 'partial') {
        process.stderr.write(
          `Resuming the interrupted load of ${DEMO_TENANT} (${state.done} of ${state.batches} batches were in).\n`,
        );
      }
      process.stderr.write(
        `Generating ${DEMO_TENANT}: ${plan.patients} patients, ${months.full.join(' and ')} in full and ${months.current} up to ${plan.anchor} ...\n`,
      );
      const events = demoEvents(config, plan);
      await importAll(config, tokens.admin, plan, importBatches(events, PATIENTS_PER_REQUEST));
    }
    anchor = DateTime.fromISO(plan.anchor, { zone: 'utc' });
    await waitForProjections(config, tokens.billing, await latestPosition(config), 600_000);
  }
  const months = demoMonths(anchor);
  const lastMonth = months.full[1];
  const patient = options.demo
    ? ((await samplePatient(config, tokens.billing, lastMonth)) ?? 'P0001')
    : 'P0001';
  const tour = tourCommands(config, months, patient);
  return [
    '',
    `  Demo tenant: ${DEMO_TENANT} (full months ${months.full.join(' and ')}, current month ${months.current})`,
    '  Development tokens (12 h), one per role:',
    ...ROLES.map((role) => `    export CL_${role.toUpperCase()}=${tokens[role]}`),
    '',
    '  Try:',
    `    # 1. worklist of ${months.current}: minutes to the next threshold`,
    `    ${tour.worklist}`,
    `    # 2. billing lines of ${lastMonth}`,
    `    ${tour.billingLines}`,
    `    # 3. one patient's ${lastMonth} with its explanation`,
    `    ${tour.patientMonth}`,
    `    # 4. audit replay of ${lastMonth} from Kafka, with its digest (report in the file, summary below it)`,
    `    ${tour.auditReplay}`,
    '',
  ];
}
