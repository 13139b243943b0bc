import { SingleBar } from 'cli-progress';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { type CareLedgerConfig, loadReferenceData } from '@careledger/config';
import { mintDevToken, ROLES, type Role } from '@careledger/auth';
import type { ContractEvent } from '@careledger/domain';
import { generateHealthSystem } from '@careledger/testing/generator';

/** The demo health system's fixed identity (issue 9). */
export const DEMO_TENANT = 'demo-health';
const DEMO_SEED = 2026;
const DEMO_PATIENTS = 500;
const PATIENTS_PER_REQUEST = 25;

/** The demo's three months: the two full calendar months before the current one, and the current one. */
export function demoMonths(now: DateTime): { full: [string, string]; current: string } {
  const m0 = now.toUTC().startOf('month');
  return {
    full: [m0.minus({ months: 2 }).toFormat('yyyy-MM'), m0.minus({ months: 1 }).toFormat('yyyy-MM')],
    current: m0.toFormat('yyyy-MM'),
  };
}

/** Groups events into import requests: the tenant stream first, then whole patient streams together. */
export function importBatches(events: readonly ContractEvent[], patientsPerRequest: number): ContractEvent[][] {
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

async function existingEvents(config: CareLedgerConfig): Promise<number> {
  const client = new Client({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
  });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE tenant_id = $1', [DEMO_TENANT]);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function importAll(config: CareLedgerConfig, token: string, batches: ContractEvent[][]): Promise<number> {
  const url = `http://${config.http.host}:${config.http.careApiPort}/v1/tenants/${DEMO_TENANT}/events:import`;
  const total = batches.reduce((n, b) => n + b.length, 0);
  const bar = progressBar('Loading demo-health', total);
  let done = 0;
  let lastPosition = 0;
  try {
    for (const [i, batch] of batches.entries()) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          // a restarted load after a crash re-sends the same batches: they append nothing twice
          'idempotency-key': `demo-${DEMO_SEED}-${DEMO_PATIENTS}-${i}`,
        },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(120_000),
      });
      if (res.status !== 201 && res.status !== 200) {
        const text = await res.text();
        throw new Error(`demo import batch ${i} was refused (${res.status}): ${text.slice(0, 500)}`);
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

async function latestPosition(config: CareLedgerConfig): Promise<number> {
  const client = new Client({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
  });
  await client.connect();
  try {
    const r = await client.query<{ p: string | null }>(
      'SELECT max(global_position)::text AS p FROM events WHERE tenant_id = $1',
      [DEMO_TENANT],
    );
    return Number(r.rows[0]?.p ?? 0);
  } finally {
    await client.end();
  }
}

/** Waits until query-api has projected `position` (read-your-writes through `minPosition`). */
async function waitForProjections(config: CareLedgerConfig, token: string, position: number, deadlineMs: number): Promise<void> {
  const url = `http://${config.http.host}:${config.http.queryApiPort}/v1/tenants/${DEMO_TENANT}/worklist?limit=1&minPosition=${position}`;
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    if (res.status === 200) return;
    const seen = res.headers.get('x-projection-position') ?? '?';
    if (seen !== last) {
      last = seen;
      process.stderr.write(`Projecting demo-health: position ${seen} of ${position}\n`);
    }
    await res.arrayBuffer();
  }
  throw new Error(`the projector did not reach position ${position} within ${deadlineMs / 1000} s`);
}

async function samplePatient(config: CareLedgerConfig, token: string, month: string): Promise<string | undefined> {
  const url = `http://${config.http.host}:${config.http.queryApiPort}/v1/tenants/${DEMO_TENANT}/billing-lines?month=${month}&limit=1`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return undefined;
  const body = (await res.json()) as { items?: { patientId?: string }[] };
  return body.items?.[0]?.patientId;
}

/**
 * Loads the demo health system (idempotent: skipped when the tenant already has events), waits for the
 * projections, and returns the lines of the printed block: a token per role and four tour commands.
 */
export async function loadDemo(config: CareLedgerConfig, options: { demo: boolean; now?: DateTime }): Promise<string[]> {
  const now = options.now ?? DateTime.utc();
  const months = demoMonths(now);
  const departments = ['primary-care', 'behavioral-health', 'care-management', 'cardiology', 'registration', 'billing', 'administration'];
  const tokens = Object.fromEntries(
    await Promise.all(
      ROLES.map(async (role: Role) => [role, await mintDevToken(config, { tenantId: DEMO_TENANT, roles: [role], departments, ttl: '12h' })] as const),
    ),
  ) as Record<Role, string>;
  let position: number;
  if (options.demo) {
    const already = await existingEvents(config);
    if (already > 0) {
      process.stderr.write(`demo-health is already loaded (${already} events); not loading it again.\n`);
      position = await latestPosition(config);
    } else {
      process.stderr.write(`Generating demo-health: ${DEMO_PATIENTS} patients, ${months.full.join(', ')} and ${months.current} so far ...\n`);
      const events = generateHealthSystem({
        seed: DEMO_SEED,
        tenantId: DEMO_TENANT,
        patients: DEMO_PATIENTS,
        months: [...months.full, months.current],
        organizations: 2,
        until: now.toISO(),
        reference: loadReferenceData(config.dataDir),
      });
      position = await importAll(config, tokens.admin, importBatches(events, PATIENTS_PER_REQUEST));
    }
    await waitForProjections(config, tokens.billing, position, 300_000);
  }
  const lastMonth = months.full[1];
  const patient = options.demo ? ((await samplePatient(config, tokens.billing, lastMonth)) ?? 'P0001') : 'P0001';
  const q = `http://${config.http.host}:${config.http.queryApiPort}/v1/tenants/${DEMO_TENANT}`;
  return [
    '',
    `  Demo tenant: ${DEMO_TENANT} (full months ${months.full.join(' and ')}, current month ${months.current})`,
    '  Development tokens (12 h), one per role:',
    ...ROLES.map((role) => `    export CL_${role.toUpperCase()}=${tokens[role]}`),
    '',
    '  Try:',
    `    # 1. worklist of ${months.current}: minutes to the next threshold`,
    `    curl -s -H "Authorization: Bearer $CL_CARE_MANAGER" "${q}/worklist?month=${months.current}&limit=10"`,
    `    # 2. billing lines of ${lastMonth}`,
    `    curl -s -H "Authorization: Bearer $CL_BILLING" "${q}/billing-lines?month=${lastMonth}&limit=20"`,
    `    # 3. one patient's ${lastMonth} with its explanation`,
    `    curl -s -H "Authorization: Bearer $CL_BILLING" "${q}/patients/${patient}/months/${lastMonth}"`,
    `    # 4. audit replay of ${lastMonth} from Kafka, with its digest`,
    `    npm run --silent careledger -- audit replay --tenant ${DEMO_TENANT} --month ${lastMonth} --format json`,
    '',
  ];
}
