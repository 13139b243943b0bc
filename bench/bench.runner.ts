import { fork, spawnSync } from 'node:child_process';
import { gitCommit } from './lib/git-commit';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig, repoRoot, type CareLedgerConfig } from '@careledger/config';
import { createKafka } from '@careledger/kafka';
import { dropBenchDatabase, postgresVersion, recreateBenchDatabase } from './lib/bench-db';
import { deleteBenchTopics } from './lib/kafka-bench';
import { renderThroughputSvg } from './lib/chart.svg';
import { mediumProjectorCost } from './lib/figures';
import {
  SCALES,
  type BenchContext,
  type BenchFigure,
  type BenchScale,
  type StageReport,
} from './bench.types';
import type { StageMessage } from './stage-host';

/** Stages in the order they run; later stages use what earlier ones left (store rows, topic). */
export const STAGE_ORDER = [
  'generate',
  'append',
  'relay',
  'rules',
  'projector',
  'replay',
  'rebuild',
  'http',
] as const;
export type StageName = (typeof STAGE_ORDER)[number];

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  scale: BenchScale;
  /** Only these stages (generate always runs when a later stage needs events). */
  stages?: StageName[];
  /** Keep the bench database and topics after the run (to inspect them). */
  keep?: boolean;
  /** Where the report goes (default bench/results). */
  resultsDir?: string;
  log?: (line: string) => void;
}

/** The machine and versions a run was made on. */
export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  loadAverage1m: number;
  os: string;
  node: string;
  postgres: string;
  kafka: string;
  /** The shared broker's peak resident memory over its lifetime (VmHWM), when it runs on this machine. */
  kafkaBrokerPeakRssMb: number | null;
}

/** The whole report (also the JSON file). */
export interface BenchReport {
  date: string;
  scale: BenchScale;
  runId: string;
  /** The commit the run measured (`git rev-parse HEAD`, "+dirty" when the work tree had changes). */
  commit: string;
  totalSeconds: number;
  machine: MachineFacts;
  events: number;
  figures: (BenchFigure & { stage: string })[];
  stages: StageReport[];
}

interface InfraModule {
  up(): Promise<unknown>;
  status(): Promise<{
    ok: boolean;
    kafka: { version: string; up: boolean; pid: number | null };
    postgres: { up: boolean };
  }>;
}

/** Installs Emmett's isolated peer folder when missing (under the shared npm lock). */
function ensureEmmettPeer(log: (l: string) => void): void {
  const dir = path.join(repoRoot(), 'bench', 'peers', 'emmett');
  if (fs.existsSync(path.join(dir, 'node_modules', '@event-driven-io', 'emmett-postgresql'))) return;
  log('bench: installing the Emmett peer (bench/peers/emmett, npm ci) ...');
  const lock = fs.existsSync('/usr/bin/flock') ? ['flock', '/tmp/careledger-npm.lock'] : [];
  const cmd = [...lock, 'npm', 'ci', '--no-audit', '--no-fund'];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0)
    log(
      `bench: Emmett peer install failed (the append comparison will say so): ${(r.stderr ?? '').slice(-300)}`,
    );
}

/** Longest a stage may run before it is killed and reported failed (a hung consumer must not hang the run). */
const STAGE_TIMEOUT_MINUTES: Record<BenchScale, number> = { small: 4, medium: 30, large: 180 };

/**
 * `CARELEDGER_BENCH_CPU_PROFILE=<dir>`: each stage process writes a V8 CPU profile there
 * (`<stage>-<pid>.cpuprofile`, open it in Chrome DevTools or speedscope), so a missed target can be
 * explained by a profile rather than a guess.
 */
function profileArgs(stage: StageName): string[] {
  const dir = process.env.CARELEDGER_BENCH_CPU_PROFILE;
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${stage}.cpuprofile`];
}

function runStage(
  stage: StageName,
  ctxFile: string,
  timeoutMinutes: number,
  log: (l: string) => void,
): Promise<StageReport> {
  const host = path.join(__dirname, 'stage-host.js');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = fork(host, [stage, ctxFile], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=3072', ...profileArgs(stage)],
    });
    let message: StageMessage | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMinutes * 60_000);
    child.on('message', (m: StageMessage) => {
      if (m.kind === 'stage-result') message = m;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
      const memory = [
        { process: `bench stage ${stage}`, maxRssMb: message?.maxRssMb ?? -1 },
        ...(message?.outcome?.memory ?? []),
      ];
      if (!message) {
        resolve({
          stage,
          status: 'failed',
          reason: timedOut
            ? `timed out after ${timeoutMinutes} min`
            : `stage process exited (${signal ?? code}) without a result`,
          seconds,
          events: null,
          figures: [],
          memory,
          throughput: [],
        });
      } else if (message.error) {
        log(`bench: stage ${stage} failed: ${message.error.split('\n').slice(0, 3).join(' | ')}`);
        resolve({
          stage,
          status: 'failed',
          reason: message.error.split('\n')[0] ?? 'error',
          seconds,
          events: null,
          figures: [],
          memory,
          throughput: [],
        });
      } else {
        const o = message.outcome!;
        resolve({
          stage,
          status: o.notRun ? 'not run' : 'ok',
          ...(o.notRun
            ? { reason: o.notRun }
            : o.notes && o.notes.length > 0
              ? { reason: o.notes.join('; ') }
              : {}),
          seconds,
          events: o.events ?? null,
          ...(o.eventsUnit ? { eventsUnit: o.eventsUnit } : {}),
          figures: o.figures,
          memory,
          throughput: o.throughput,
        });
      }
    });
  });
}

/** The figures the issue requires by name; missing ones are listed as `not run` with the reason. */
const REQUIRED: { name: string; stage: StageName; unit: string; better: 'higher' | 'lower' }[] = [
  { name: 'projector_vs_raw_consume', stage: 'projector', unit: 'events/s', better: 'higher' },
  { name: 'projector_vs_raw_sink', stage: 'projector', unit: 'events/s', better: 'higher' },
  { name: 'projector_cost_growth', stage: 'projector', unit: 'x', better: 'lower' },
  { name: 'patient_month_replay_ms', stage: 'replay', unit: 'ms', better: 'lower' },
  { name: 'replay_vs_raw_consume', stage: 'replay', unit: 'events/s', better: 'higher' },
  { name: 'append_vs_emmett', stage: 'append', unit: 'events/s', better: 'higher' },
  { name: 'relay_vs_raw_produce', stage: 'relay', unit: 'events/s', better: 'higher' },
  { name: 'http_p99_ms_at_500rps', stage: 'http', unit: 'ms', better: 'lower' },
  { name: 'rebuild_1m_events_seconds', stage: 'rebuild', unit: 's', better: 'lower' },
  {
    name: 'rules_patient_months_per_second',
    stage: 'rules',
    unit: 'patient-months/s (CPU)',
    better: 'higher',
  },
];

/**
 * Runs the benchmark: every stage in its own child process (its peak memory measured there), each
 * figure beside its baseline measured in the same run, then writes `bench/results/<date>-<scale>.md`,
 * `.json` and `.svg`. Stages whose code does not exist yet are reported `not run`, never faked.
 */
export async function runBench(options: RunBenchOptions): Promise<{ report: BenchReport; files: string[] }> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = performance.now();
  const params = SCALES[options.scale];
  const runId = randomUUID().slice(0, 8);
  // Taken before the first stage: commits made while a long run goes on must not be credited to it.
  const commit = gitCommit();
  const base = loadConfig();
  const config: CareLedgerConfig = {
    ...base,
    db: { ...base.db, database: benchDatabaseName(base.db.database) },
  };

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const infra = require(path.join(repoRoot(), 'deploy', 'local', 'infra.js')) as InfraModule;
  let status = await infra.status();
  if (!status.ok) {
    log('bench: bringing the infrastructure up (npm run infra:up) ...');
    await infra.up();
    status = await infra.status();
  }
  ensureEmmettPeer(log);
  log(`bench: scale ${options.scale}, run ${runId}: recreating database ${config.db.database} ...`);
  await recreateBenchDatabase(config.db);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `careledger-bench-${runId}-`));
  const ctx: BenchContext = {
    runId,
    scale: options.scale,
    config,
    eventsFile: path.join(workDir, 'events.ndjson'),
    eventCount: 0,
    tenantIds: [],
    months: params.months,
    topic: `careledger.bench.${runId}.events`,
    workDir,
    params,
  };
  const ctxFile = path.join(workDir, 'context.json');
  fs.writeFileSync(ctxFile, JSON.stringify(ctx));

  const wanted = new Set<StageName>(options.stages ?? STAGE_ORDER);
  const reports: StageReport[] = [];
  const kafka = createKafka(config.kafka, { clientIdSuffix: 'bench-admin' });
  try {
    for (const stage of STAGE_ORDER) {
      if (!wanted.has(stage) && stage !== 'generate') continue;
      log(`bench: stage ${stage} ...`);
      const r = await runStage(stage, ctxFile, STAGE_TIMEOUT_MINUTES[options.scale], log);
      reports.push(r);
      log(`bench: stage ${stage}: ${r.status}${r.reason ? ` (${r.reason})` : ''} in ${r.seconds} s`);
      // Each stage's figures as soon as it ends, so that a run cut short still shows what it measured.
      for (const f of r.figures)
        log(`bench: figure ${f.name} = ${f.value} ${f.unit} (baseline ${f.baseline}, ratio ${f.ratio})`);
      if (stage === 'generate') {
        const meta = JSON.parse(fs.readFileSync(`${ctx.eventsFile}.meta.json`, 'utf8')) as {
          eventCount: number;
          tenantIds: string[];
        };
        ctx.eventCount = meta.eventCount;
        ctx.tenantIds = meta.tenantIds;
        fs.writeFileSync(ctxFile, JSON.stringify(ctx));
      }
    }
  } finally {
    if (!options.keep) {
      await deleteBenchTopics(kafka, `careledger.bench.${runId}.`).catch((e: Error) =>
        log(`bench: topic clean-up failed: ${e.message}`),
      );
      await dropBenchDatabase(config.db).catch((e: Error) =>
        log(`bench: database clean-up failed: ${e.message}`),
      );
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  }

  const figures: (BenchFigure & { stage: string })[] = reports.flatMap((r) =>
    r.figures.map((f) => ({ ...f, stage: r.stage })),
  );
  const dir = options.resultsDir ?? path.join(repoRoot(), 'bench', 'results');
  if (options.scale === 'large') {
    const growth = projectorCostGrowth(figures, mediumProjectorCost(dir));
    if (growth) figures.push({ ...growth, stage: 'projector' });
  }
  for (const req of REQUIRED) {
    if (figures.some((f) => f.name === req.name)) continue;
    const stage = reports.find((r) => r.stage === req.stage);
    const smallerRebuild = figures.find((f) => f.name.startsWith('rebuild_'));
    const why =
      req.name === 'projector_cost_growth' && options.scale !== 'large'
        ? 'stated in the large report (large us/event over medium us/event)'
        : req.name === 'rebuild_1m_events_seconds' && smallerRebuild
          ? `measured only at --scale large (1,000,000 events); this run: ${smallerRebuild.name} = ${smallerRebuild.value} s`
          : stage
            ? stage.status === 'not run'
              ? (stage.reason ?? 'no reason given')
              : `${stage.status}${stage.reason ? `: ${stage.reason}` : ''}`
            : 'stage not selected';
    figures.push({
      name: req.name,
      value: null,
      unit: req.unit,
      baseline: null,
      ratio: null,
      better: req.better,
      stage: req.stage,
      note: `not run: ${why}`,
    });
  }
  const date = new Date().toISOString().slice(0, 10);
  const cpus = os.cpus();
  const report: BenchReport = {
    date,
    scale: options.scale,
    runId,
    commit,
    totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: await postgresVersion(config.db).catch(() => 'unknown'),
      kafka: status.kafka.version,
      kafkaBrokerPeakRssMb: peakRssOfPid(status.kafka.pid),
    },
    events: ctx.eventCount,
    figures,
    stages: reports,
  };
  fs.mkdirSync(dir, { recursive: true });
  const stem = path.join(dir, `${date}-${options.scale}`);
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(
    `${stem}.svg`,
    renderThroughputSvg(
      report.stages,
      `CareLedger bench ${date} (${options.scale}, ${report.events} events)`,
    ),
  );
  fs.writeFileSync(`${stem}.md`, renderMarkdown(report, path.basename(`${stem}.svg`)));
  return { report, files: [`${stem}.md`, `${stem}.json`, `${stem}.svg`] };
}

/**
 * The bench's own database: `careledger_bench_<configured database>`, so that benches run with
 * different `CARELEDGER_DB_NAME`s (one per helper, CI) never drop each other's database mid-run.
 */
export function benchDatabaseName(configured: string): string {
  const suffix = configured.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `careledger_bench_${suffix}`.slice(0, 63);
}

/**
 * `projector_cost_growth`: the projector's microseconds per event in this (large) run over those at
 * medium, with where the medium figure came from. Null when either is missing.
 */
export function projectorCostGrowth(
  figures: readonly BenchFigure[],
  medium: { usPerEvent: number; source: string } | null,
): BenchFigure | null {
  const large = figures.find((f) => f.name === 'projector_us_per_event')?.value;
  if (typeof large !== 'number') return null;
  if (!medium)
    return {
      name: 'projector_cost_growth',
      value: null,
      unit: 'x',
      baseline: null,
      ratio: null,
      better: 'lower',
      target: '<= 1.3',
      targetMet: null,
      note: `not run: no medium report in bench/results to compare ${large} us/event with`,
    };
  const growth = Number((large / medium.usPerEvent).toFixed(3));
  return {
    name: 'projector_cost_growth',
    value: growth,
    unit: 'x',
    baseline: null,
    ratio: growth,
    better: 'lower',
    target: '<= 1.3',
    targetMet: growth <= 1.3,
    note: `large ${large} us/event / medium ${medium.usPerEvent} us/event; the medium figure is from the newest medium report, ${medium.source}`,
  };
}

/** VmHWM of a process from /proc (Linux), in MiB; null elsewhere or when it is gone. */
function peakRssOfPid(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const fmt = (v: number | null, unit = ''): string =>
  v === null
    ? '-'
    : `${v >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toFixed(2))}${unit ? ` ${unit}` : ''}`;

/** The Markdown report. */
export function renderMarkdown(r: BenchReport, chartFile: string): string {
  const m = r.machine;
  const lines = [
    `# CareLedger benchmark ${r.date} (scale ${r.scale})`,
    '',
    `Run \`${r.runId}\` at commit \`${r.commit}\`: ${r.events.toLocaleString('en-US')} generated events, ${r.totalSeconds} s in all. Every figure is measured beside its baseline in the same run, on the same machine; ratios are what to compare between runs (absolute numbers on a shared 2-core machine drift).`,
    '',
    '## Machine',
    '',
    `| CPU | cores | memory | load (1 min, at the end) | OS | Node | PostgreSQL | Kafka (broker peak RSS) |`,
    `|---|---|---|---|---|---|---|---|`,
    `| ${m.cpuModel} | ${m.cores} | ${m.memoryGb} GiB | ${m.loadAverage1m} | ${m.os} | ${m.node} | ${m.postgres} | ${m.kafka}${m.kafkaBrokerPeakRssMb !== null ? ` (${m.kafkaBrokerPeakRssMb} MiB)` : ''} |`,
    '',
    '## Figures',
    '',
    '| figure | value | baseline | ratio | target | note |',
    '|---|---|---|---|---|---|',
    ...r.figures.map(
      (f) =>
        `| \`${f.name}\` | ${fmt(f.value, f.unit)} | ${f.baseline === null ? '-' : `${fmt(f.baseline, f.unit)}${f.baselineLabel ? ` (${f.baselineLabel})` : ''}`} | ${f.ratio === null ? '-' : `${f.ratio}x`} | ${f.target ? `${f.target}${f.targetMet === true ? ' ✅ met' : f.targetMet === false ? ' ❌ missed' : ''}` : '-'} | ${(f.note ?? '').replace(/\|/g, '/')} |`,
    ),
    '',
    `Ratios are value / baseline: for throughputs higher is better, for latencies and durations (\`ms\`, \`s\`) lower is better.`,
    '',
    '## Stages and peak memory',
    '',
    '| stage | status | events | seconds | peak memory (maxRSS) |',
    '|---|---|---|---|---|',
    ...r.stages.map(
      (s) =>
        `| ${s.stage} | ${s.status}${s.reason ? `: ${s.reason.replace(/\|/g, '/')}` : ''} | ${s.events === null ? '-' : `${s.events.toLocaleString('en-US')}${s.eventsUnit ? ` ${s.eventsUnit}` : ''}`} | ${s.seconds} | ${s.memory.map((p) => `${p.process} ${p.maxRssMb} MiB`).join('; ')} |`,
    ),
    '',
    '## Throughput by stage',
    '',
    `![throughput by stage](${chartFile})`,
    '',
  ];
  return lines.join('\n');
}
