import type { Command } from 'commander';
import { runBench, STAGE_ORDER, type StageName } from '../../../bench/bench.runner';
import type { BenchScale } from '../../../bench/bench.types';
import type { RegisterCommand } from '../command.types';

/**
 * `careledger bench [--scale small|medium|large] [--stages a,b] [--keep]` (also `npm run bench --`):
 * every stage beside its baseline in the same run; writes bench/results/<date>-<scale>.{md,json,svg}.
 */
export const registerBench: RegisterCommand = (program: Command, setExit) => {
  program
    .command('bench')
    .description(
      'Benchmark every stage against its raw limit or a peer in the same run; write bench/results/<date>-<scale>.{md,json,svg}',
    )
    .option('--scale <scale>', 'small (under 5 min), medium or large (1,000,000 events)', 'small')
    .option('--stages <list>', `only these stages, comma-separated (${STAGE_ORDER.join(',')})`)
    .option('--keep', 'keep the bench database (careledger_bench_<database>) and topics afterwards')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run bench -- --scale small\n  npm run --silent careledger -- bench --scale medium --stages generate,append,relay\n',
    )
    .action(async (flags: { scale: string; stages?: string; keep?: boolean }) => {
      if (!['small', 'medium', 'large'].includes(flags.scale)) {
        process.stderr.write('careledger bench: --scale must be small, medium or large\n');
        setExit(2);
        return;
      }
      const stages = flags.stages
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = stages?.filter((s) => !(STAGE_ORDER as readonly string[]).includes(s)) ?? [];
      if (unknown.length > 0) {
        process.stderr.write(
          `careledger bench: --stages: unknown stage(s) ${unknown.join(', ')}; known: ${STAGE_ORDER.join(', ')}\n`,
        );
        setExit(2);
        return;
      }
      const { report, files } = await runBench({
        scale: flags.scale as BenchScale,
        ...(stages ? { stages: stages as StageName[] } : {}),
        keep: flags.keep === true,
      });
      for (const f of report.figures) {
        const v = f.value === null ? (f.note ?? 'not run') : `${f.value} ${f.unit}`;
        const b = f.baseline === null ? '' : ` | baseline ${f.baseline} ${f.unit} | ratio ${f.ratio}x`;
        process.stdout.write(`${f.name}: ${v}${b}\n`);
      }
      process.stdout.write(`report: ${files.join(', ')}\n`);
      if (report.stages.some((s) => s.status === 'failed')) setExit(1);
    });
};
