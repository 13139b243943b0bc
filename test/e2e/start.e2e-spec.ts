import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { repoRoot } from '@careledger/config';
import { createKafka } from '@careledger/kafka';
import { assertTestDatabase, testConfig } from '@careledger/testing/infra';
import { freePort } from '../reliability/support/free-port';

/**
 * Issue 9, "done when": `npm start` in a CLEAN working copy (a `git clone` of this repository's HEAD
 * beside it, so `../shared` resolves; `node_modules` linked from this checkout instead of a second
 * `npm ci`), on spare ports, a private database whose name contains `test`, private topics and a
 * private consumer group. It waits for the printed block, runs the four printed commands as a user
 * would paste them (curl -> fetch with the printed token variables, the CLI through child_process),
 * checks their output is non-empty and that the audit replay's totals equal the billing lines of
 * last month, then stops with SIGINT and checks every app port is closed.
 *
 * The demo is smaller than the default (`CARELEDGER_DEMO_PATIENTS`, 60 here) so that the whole test,
 * build of the clone included, stays within a few minutes on two cores. The clone is HEAD: work
 * that is not committed is not part of it.
 */
const DEMO_PATIENTS = '60';
const BLOCK_DEADLINE_MS = 300_000;
const STOP_DEADLINE_MS = 30_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits until `predicate(output)` holds, the process exits, or the deadline passes. */
async function waitForOutput(
  started: Started,
  predicate: (out: string) => boolean,
  deadlineMs: number,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  let exited = false;
  void started.exited.then(() => (exited = true));
  while (Date.now() < until) {
    if (predicate(started.output())) return;
    if (exited)
      throw new Error(`npm start exited before printing the block:\n${started.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no printed block within ${deadlineMs / 1000} s:\n${started.output().slice(-4000)}`);
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** The printed block: from the `CareLedger is up` line to the end of the output. */
function printedBlock(out: string): string {
  const at = out.search(/^CareLedger is up$/m);
  return at < 0 ? '' : out.slice(at);
}

/** `curl -s -H "Authorization: Bearer $VAR" "URL"` -> fetch with the printed token of VAR. */
async function runCurl(
  line: string,
  tokens: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const m = /^curl -s -H "Authorization: Bearer \$(\w+)" "([^"]+)"$/.exec(line);
  if (!m) throw new Error(`not a printed curl command: ${line}`);
  const token = tokens[m[1]!];
  expect(token).toBeTruthy();
  const res = await fetch(m[2]!, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

/** One GET on its own connection (no keep-alive pool). */
function getOnce(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

interface Totals {
  [code: string]: { units: number; lines: number };
}

describe('npm start in a clean working copy (issue 9)', () => {
  const id = randomBytes(4).toString('hex');
  const clone = path.join(path.dirname(repoRoot()), `careledger-start-e2e-${id}`);
  const database = `careledger_start_e2e_test_${id}`;
  const eventsTopic = `careledger.start-e2e-${id}.events.v1`;
  const dlqTopic = `${eventsTopic}.dlq`;
  const base = testConfig();
  let ports: Record<'care' | 'query' | 'audit' | 'projector' | 'console', number>;
  let env: NodeJS.ProcessEnv;
  let started: Started | undefined;

  beforeAll(async () => {
    assertTestDatabase(database);
    ports = {
      care: await freePort(),
      query: await freePort(),
      audit: await freePort(),
      projector: await freePort(),
      console: await freePort(),
    };
    git(['clone', '--quiet', '--no-hardlinks', repoRoot(), clone], path.dirname(repoRoot()));
    fs.symlinkSync(path.join(repoRoot(), 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    env = {
      ...process.env,
      CARELEDGER_ENV: 'development',
      CARELEDGER_AUTH_DEV_KEY_ENABLED: undefined,
      CARELEDGER_AUTH_DEV_KEY: undefined,
      CARELEDGER_LOG_LEVEL: 'warn',
      CARELEDGER_DB_NAME: database,
      CARELEDGER_EVENTS_TOPIC: eventsTopic,
      CARELEDGER_DLQ_TOPIC: dlqTopic,
      CARELEDGER_PROJECTOR_GROUP_ID: `careledger-start-e2e-${id}`,
      CARELEDGER_HTTP_HOST: '127.0.0.1',
      CARELEDGER_CARE_API_PORT: String(ports.care),
      CARELEDGER_QUERY_API_PORT: String(ports.query),
      CARELEDGER_AUDIT_PORT: String(ports.audit),
      CARELEDGER_PROJECTOR_PORT: String(ports.projector),
      CARELEDGER_CONSOLE_PORT: String(ports.console),
      CARELEDGER_DEMO_PATIENTS: DEMO_PATIENTS,
      FORCE_COLOR: '0',
    };
  }, 120_000);

  afterAll(async () => {
    if (started && started.child.exitCode === null && started.child.signalCode === null) {
      // the whole process group: npm start and the four apps it spawned
      try {
        process.kill(-started.child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(clone, { recursive: true, force: true });
    const pg = new Client({ ...base.db, password: base.db.password || undefined, database: 'postgres' });
    await pg.connect();
    try {
      assertTestDatabase(database);
      await pg.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await pg.end();
    }
    const admin = createKafka(base.kafka).admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      const mine = [eventsTopic, dlqTopic].filter((t) => existing.includes(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  it('prints the block, its four commands answer consistently, and Ctrl-C leaves no app running', async () => {
    let out = '';
    const child = spawn(process.execPath, ['tools/careledger.js', 'start'], {
      cwd: clone,
      env,
      detached: true, // its own process group, so that a failed run can be cleaned up whole
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    started = {
      child,
      output: () => out,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    };

    // 1. the printed block, complete (it ends with the Ctrl-C hint)
    await waitForOutput(
      started,
      (o) => /^ {2}Ready in \d+ s\. Ctrl-C stops the apps/m.test(printedBlock(o)),
      BLOCK_DEADLINE_MS,
    );
    const block = printedBlock(out);
    for (const [name, port] of [
      ['care-api', ports.care],
      ['projector', ports.projector],
      ['query-api', ports.query],
      ['audit', ports.audit],
    ] as const) {
      expect(block).toContain(`${name.padEnd(10)} http://127.0.0.1:${port}/docs`);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
    }
    // Issue 15: the FHIR R4 base is listed and serves its CapabilityStatement as application/fhir+json.
    const fhirBase = `http://127.0.0.1:${ports.query}/fhir/R4`;
    expect(block).toMatch(new RegExp(`^  fhir +${fhirBase.replace(/[./]/g, '\\$&')} `, 'm'));
    // Not through fetch: its pooled keep-alive socket would sit idle through the long replay below and
    // be closed by the server under the next request to query-api.
    const metadata = await getOnce(`${fhirBase}/metadata`);
    expect(metadata.status).toBe(200);
    expect(metadata.contentType).toMatch(/^application\/fhir\+json/);
    expect((JSON.parse(metadata.body) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
    // Issue 14: the console is served and listed.
    expect(block).toMatch(new RegExp(`^  console +http://127\\.0\\.0\\.1:${ports.console}/`, 'm'));
    const index = await fetch(`http://127.0.0.1:${ports.console}/`, { headers: { accept: 'text/html' } });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    const tokens = Object.fromEntries(
      [...block.matchAll(/^ {4}export (CL_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(Object.keys(tokens).sort()).toEqual(
      ['CL_ADMIN', 'CL_ANALYST', 'CL_AUDITOR', 'CL_BILLING', 'CL_CARE_MANAGER', 'CL_PRACTITIONER'].sort(),
    );
    const commands = [...block.matchAll(/^ {4}(curl .+|npm run .+)$/gm)].map((m) => m[1]!);
    expect(commands).toHaveLength(4);
    const lastMonth = /full months \d{4}-\d\d and (\d{4}-\d\d)/.exec(block)?.[1];
    expect(lastMonth).toBeDefined();

    // 2. worklist of the current month: minutes to the next threshold
    const worklist = await runCurl(commands[0]!, tokens);
    expect(worklist.status).toBe(200);
    const worklistItems = (JSON.parse(worklist.body) as { items: { minutesToNext?: number | null }[] }).items;
    expect(worklistItems.length).toBeGreaterThan(0);
    expect(worklistItems.some((i) => typeof i.minutesToNext === 'number')).toBe(true);

    // 3. billing lines of last month
    const lines = await runCurl(commands[1]!, tokens);
    expect(lines.status).toBe(200);
    expect((JSON.parse(lines.body) as { items: unknown[] }).items.length).toBeGreaterThan(0);

    // 4. one patient's month with its explanation
    const patientMonth = await runCurl(commands[2]!, tokens);
    expect(patientMonth.status).toBe(200);
    const pm = JSON.parse(patientMonth.body) as {
      month: string;
      lines: { explanation?: { rule?: string } }[];
    };
    expect(pm.month).toBe(lastMonth);
    expect(pm.lines.length).toBeGreaterThan(0);
    expect(pm.lines.every((l) => typeof l.explanation?.rule === 'string')).toBe(true);

    // 5. the audit replay, exactly as printed, run in the clone
    const cli = commands[3]!.split(' ');
    expect(cli.slice(0, 4)).toEqual(['npm', 'run', '--silent', 'careledger']);
    const replayRun = spawnSync('npm', cli.slice(1), { cwd: clone, env, encoding: 'utf8', timeout: 240_000 });
    expect({ status: replayRun.status, stderr: replayRun.stderr.slice(-2000) }).toMatchObject({ status: 0 });
    expect(replayRun.stderr).toMatch(/digest [0-9a-f]{64}/);
    const outFile = cli[cli.indexOf('--out') + 1]!;
    const report = JSON.parse(fs.readFileSync(path.join(clone, outFile), 'utf8')) as {
      digest: string;
      month: string;
      totals: { byCode: { code: string; units: number; lines: number }[] };
      chainBreaks: unknown[];
      determinations: unknown[];
    };
    expect(report.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(report.month).toBe(lastMonth);
    expect(report.determinations.length).toBeGreaterThan(0);
    expect(report.chainBreaks).toEqual([]);

    // the replay's totals equal last month's billing lines (every page of the read model)
    const fromReadModel: Totals = {};
    const listUrl = /"([^"]+)"$/.exec(commands[1]!)![1]!.replace(/limit=\d+/, 'limit=1000');
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
      const res = await fetch(cursor ? `${listUrl}&cursor=${encodeURIComponent(cursor)}` : listUrl, {
        headers: { authorization: `Bearer ${tokens.CL_BILLING}` },
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        items: { code: string; units: number }[];
        nextCursor: string | null;
      };
      for (const l of page.items) {
        const t = (fromReadModel[l.code] ??= { units: 0, lines: 0 });
        t.units += l.units;
        t.lines += 1;
      }
      cursor = page.nextCursor;
    }
    const fromReplay: Totals = Object.fromEntries(
      report.totals.byCode.map((c) => [c.code, { units: c.units, lines: c.lines }]),
    );
    expect(Object.keys(fromReplay).length).toBeGreaterThan(0);
    expect(fromReplay).toEqual(fromReadModel);

    // 6. Ctrl-C: the apps stop, the command exits, no app port answers
    process.kill(-child.pid!, 'SIGINT'); // what a terminal's Ctrl-C does: the whole foreground group
    let stopTimer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      started.exited,
      new Promise<'timeout'>((r) => (stopTimer = setTimeout(() => r('timeout'), STOP_DEADLINE_MS))),
    ]);
    clearTimeout(stopTimer);
    expect(code).toBe(0);
    for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);
  }, 600_000);
});
