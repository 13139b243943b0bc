import 'reflect-metadata';
import * as fs from 'node:fs';
import type { BenchContext, BenchFigure, ProcessMemory } from './bench.types';

/** What a stage function returns; the host adds its own peak memory and duration. */
export interface StageOutcome {
  figures: BenchFigure[];
  throughput: { label: string; perSecond: number }[];
  notes?: string[];
  /** Events (or requests, patient-months: see `eventsUnit`) the stage processed, so a partial run shows. */
  events?: number;
  /** What `events` counts when not events ("patient-months", "requests"). */
  eventsUnit?: string;
  /** Set when the stage could not run (its code does not exist yet, a peer is missing, ...). */
  notRun?: string;
  /** Peak memory of further processes the stage started (apps under load). */
  memory?: ProcessMemory[];
}

/** A stage's child-process result message. */
export interface StageMessage {
  kind: 'stage-result';
  outcome?: StageOutcome;
  error?: string;
  maxRssMb: number;
}

type StageFn = (ctx: BenchContext) => Promise<StageOutcome>;

/** Stage name -> module (relative to this file) and export. Loaded lazily: a stage's code may not exist yet. */
const STAGES: Record<string, { module: string; fn: string }> = {
  generate: { module: './stages/generate.stage', fn: 'runGenerateStage' },
  append: { module: './stages/append.stage', fn: 'runAppendStage' },
  relay: { module: './stages/relay.stage', fn: 'runRelayStage' },
  http: { module: './stages/http.stage', fn: 'runHttpStage' },
  projector: { module: './stages/consume.stage', fn: 'runProjectorStage' },
  replay: { module: './stages/consume.stage', fn: 'runReplayStage' },
  rebuild: { module: './stages/consume.stage', fn: 'runRebuildStage' },
  rules: { module: './stages/rules.stage', fn: 'runRulesStage' },
};

/** Peak resident set of this process in MiB (`process.resourceUsage().maxRSS` is in KiB). */
export function maxRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function main(): Promise<void> {
  const [stage, ctxFile] = process.argv.slice(2);
  const send = (m: StageMessage): Promise<void> =>
    new Promise((resolve) =>
      process.send
        ? process.send(m, () => resolve())
        : (process.stdout.write(`${JSON.stringify(m)}\n`), resolve()),
    );
  try {
    const spec = stage ? STAGES[stage] : undefined;
    if (!spec || !ctxFile)
      throw new Error(`usage: stage-host <${Object.keys(STAGES).join('|')}> <context.json>`);
    const ctx = JSON.parse(fs.readFileSync(ctxFile, 'utf8')) as BenchContext;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(spec.module) as Record<string, StageFn>;
    const fn = mod[spec.fn];
    if (!fn) throw new Error(`${spec.module} does not export ${spec.fn}`);
    const outcome = await fn(ctx);
    await send({ kind: 'stage-result', outcome, maxRssMb: maxRssMb() });
  } catch (err) {
    await send({
      kind: 'stage-result',
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      maxRssMb: maxRssMb(),
    });
  }
  process.exit(0);
}

if (require.main === module) void main();
