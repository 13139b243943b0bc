import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pool } from 'pg';
import { loadFeeSchedule } from '@careledger/billing-office';
import { feeOf, feeTotals, formatCents, type MonthClosed } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { testConfig } from '@careledger/testing/infra';
import { runBillingDemo, type DemoRun } from './support/billing-demo';

/**
 * The README's billing section "a month closed, sent, restated and resent" (issue 16) is real output:
 * this test runs the walk-through (real CLI, test database, HAPI receiver), checks what the section
 * claims against the system (digest = audit replay's, fees = the closed lines priced from the data,
 * the restatement = a reversal and the corrected line linked to the original message), and requires
 * the README block to be that run's output up to what differs per run (tenant, control ids, instants,
 * digests, the replay's events/s). `CARELEDGER_UPDATE_README=1` writes the block instead.
 */

const README = path.resolve(__dirname, '../../README.md');
const BEGIN = '<!-- billing-demo:begin';
const END = '<!-- billing-demo:end -->';

jest.setTimeout(180_000);

const config = testConfig({ CARELEDGER_LOG_LEVEL: 'warn' });
let pool: Pool;
let run: DemoRun;

/** What differs from one run to the next, replaced by placeholders; control ids numbered in order. */
function normalize(lines: readonly string[], tenant: string): string[] {
  const ids = new Map<string, string>();
  return lines.map((l) =>
    l
      .split(tenant)
      .join('<tenant>')
      .replace(/\bCL[0-9A-F]{18}\b/g, (id) => {
        if (!ids.has(id)) ids.set(id, `<control-${ids.size + 1}>`);
        return ids.get(id)!;
      })
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<instant>')
      .replace(/\b\d{14}\+0000\b/g, '<hl7-time>')
      .replace(/\b[0-9a-f]{64}\b/g, '<digest>')
      .replace(/\(\d+ events\/s\)/g, '(<rate> events/s)'),
  );
}

function render(r: DemoRun): string {
  return [
    `${BEGIN} (written by: CARELEDGER_UPDATE_README=1 node tools/run-tests.js test/billing/billing-readme.int-spec.ts) -->`,
    '',
    '```text',
    ...r.transcript,
    '```',
    '',
    'The restatement message of that export (CR shown as line breaks): 99439 x1 reversed under its original',
    'transaction id and 99439 x2 charged, priced from the data (FT1-11/12), both pointing at the original',
    'message (FT1-23):',
    '',
    '```text',
    ...r.restatementMessage,
    '```',
    '',
    END,
  ].join('\n');
}

function readmeBlock(): { text: string; transcript: string[]; message: string[]; tenant: string } {
  const readme = fs.readFileSync(README, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md has no billing-demo block');
  const text = readme.slice(start, end + END.length);
  const fences = [...text.matchAll(/```text\n([\s\S]*?)\n```/g)].map((m) => m[1]!.split('\n'));
  const tenant = /--tenant (readme-[0-9a-f]{6})/.exec(text)?.[1] ?? '';
  return { text, transcript: fences[0] ?? [], message: fences[1] ?? [], tenant };
}

beforeAll(async () => {
  pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 2 });
  run = await runBillingDemo(config, pool);
  if (process.env.CARELEDGER_UPDATE_README === '1') {
    const readme = fs.readFileSync(README, 'utf8');
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) throw new Error('README.md has no billing-demo block to replace');
    fs.writeFileSync(README, readme.slice(0, start) + render(run) + readme.slice(end + END.length));
  }
});

afterAll(async () => {
  await pool?.end();
});

describe("the README's billing walk-through, run for real", () => {
  const line = (re: RegExp): RegExpExecArray => {
    const hit = run.transcript.map((l) => re.exec(l)).find((m) => m !== null);
    if (!hit) throw new Error(`no transcript line matches ${re}`);
    return hit;
  };

  it('closes once (a second close exits 2), sends, restates and resends, every other command exit 0', () => {
    expect(run.exits).toEqual([0, 2, 0, 0, 0, 0, 0]);
    expect(line(/BILLING\.ALREADY_CLOSED/)).toBeTruthy();
  });

  it("the close's digest is the one `audit replay --source store --as-of` reports; the late entry is one restatement in the replay", () => {
    const closed = line(
      /^closed \S+: 2 patient-months, 4 lines \(99439x2 99490x2\), as of (\S+), replay digest ([0-9a-f]{64})$/,
    );
    const replayed = line(
      /^audit replay: digest ([0-9a-f]{64}) \(CY2025, as of (\S+)\), 2 patient-months, .* 0 restatements since close$/,
    );
    expect([replayed[1], replayed[2]]).toEqual([closed[2], closed[1]]);
    expect(
      line(
        /^audit replay: digest [0-9a-f]{64} \(CY2025, as of all recorded\), 2 patient-months, .* 1 restatements since close$/,
      ),
    ).toBeTruthy();
  });

  it('the fees printed are the closed lines priced from ../shared/data (CY2025 national non-facility)', async () => {
    const store = new EventStore(pool, { outboxTopics: [] });
    const events = (await store.readStream(run.tenant)) as unknown as MonthClosed[];
    const close = events.find((e) => e.type === 'MonthClosed')!;
    const fees = loadFeeSchedule(config.dataDir);
    const priced = feeTotals(
      close.data.patients.flatMap((p) => p.lines.map((l) => feeOf(fees, l.code, l.units, l.serviceDate))),
    );
    expect(priced.unpriced).toEqual([]);
    expect(
      line(
        /^ {2}fees USD (\S+) \(CY2025 CMS PFS national non-facility \(GPCI 1\.0\) from data\/README\.md sha256 [0-9a-f]{12}\)$/,
      )[1],
    ).toBe(formatCents(priced.pricedCents));
  });

  it('sent: two messages acknowledged by HAPI; resent: the restatement acknowledged, net +45.93 (99439 x1 -> x2)', () => {
    expect(
      line(
        /^prepared 2 new messages, 0 new restatements, net fees USD 212\.84 .*; acknowledged 2, NAKs 0, dead-lettered 0, still pending 0$/,
      ),
    ).toBeTruthy();
    expect(
      line(
        /^prepared 1 new messages, 1 new restatements, net fees USD 45\.93 .*; acknowledged 1, NAKs 0, dead-lettered 0, still pending 0$/,
      ),
    ).toBeTruthy();
    expect(line(/^wrote charges\/\S+\.dft-p03\.hl7: 3 messages$/)).toBeTruthy();
  });

  it('the restatement message: a reversal under the original transaction id and the new charge, both linked to the original message', () => {
    const ft1 = run.restatementMessage.filter((s) => s.startsWith('FT1|')).map((s) => s.split('|'));
    expect(ft1.map((f) => [f[6], f[7], f[10], f[11], f[12]])).toEqual([
      ['CD', '99439^^C4', '-1', '-45.93&USD', '45.93&USD'],
      ['CG', '99439^^C4', '2', '91.86&USD', '45.93&USD'],
    ]);
    const original = ft1[0]![23]!;
    expect(ft1[0]![2]!.startsWith(`${original}.`)).toBe(true);
    expect(ft1[1]![23]).toBe(original);
    // The original is P03's message of the first send.
    expect(line(new RegExp(`^charges: ${original} acknowledged \\(AA\\)`))).toBeTruthy();
  });

  it('README.md shows this output (up to tenant, control ids, instants and digests)', () => {
    const block = readmeBlock();
    expect(block.tenant).not.toBe('');
    expect(normalize(block.transcript, block.tenant)).toEqual(normalize(run.transcript, run.tenant));
    expect(normalize(block.message, block.tenant)).toEqual(normalize(run.restatementMessage, run.tenant));
    expect(block.text).toBe(
      render({ ...run, transcript: block.transcript, restatementMessage: block.message }),
    );
  });
});
