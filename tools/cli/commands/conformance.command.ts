import * as path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, loadReferenceData, repoRoot } from '@careledger/config';
import {
  type ComparableDetermination,
  type Scenario,
  ScenarioError,
  compareWithExpectation,
  listScenarioFiles,
  loadScenarioFile,
} from '@careledger/testing';
import type { RegisterCommand } from '../command.types';
import { describeEvaluationError, evaluateScenario } from './evaluate.command';

/** One scenario's verdict. */
export interface ConformanceVerdict {
  id: string;
  ok: boolean;
  why: string;
}

/**
 * What `tools/cli/conformance-system.ts` (READ engineer) returns per scenario: the determination
 * the running system served (compared here, with the same logic as the engine path), or an error.
 */
export type SystemConformanceResult =
  | { id: string; determination: ComparableDetermination }
  | { id: string; error: string }
  | { id: string; ok: boolean; problems: string[] };

type SystemRunner = (scenarios: Scenario[], options: { dir: string }) => Promise<SystemConformanceResult[]>;

/** Loads READ's system runner if this build has one; null otherwise. */
function loadSystemRunner(): SystemRunner | null {
  try {
    // Resolved at run time: the system path is optional in a build without the read side.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../conformance-system') as { runSystemConformance?: SystemRunner };
    return typeof mod.runSystemConformance === 'function' ? mod.runSystemConformance : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return null;
    throw err;
  }
}

function verdictOf(scenario: Scenario, actual: ComparableDetermination): ConformanceVerdict {
  if (!scenario.expected) return { id: scenario.id, ok: false, why: 'the scenario has no expected block' };
  const c = compareWithExpectation(scenario.expected, actual);
  return { id: scenario.id, ok: c.ok, why: c.problems.join('; ') };
}

/** Runs every scenario file of `dir` through the engine; invalid files are failures with the reason. */
export function runEngineConformance(files: string[]): ConformanceVerdict[] {
  const reference = loadReferenceData(loadConfig().dataDir);
  return files.map((file) => {
    try {
      const scenario = loadScenarioFile(file);
      return verdictOf(scenario, evaluateScenario(scenario, reference));
    } catch (err) {
      return { id: path.basename(file, '.json'), ok: false, why: describeEvaluationError(file, err) };
    }
  });
}

async function runViaSystem(files: string[], dir: string): Promise<ConformanceVerdict[] | null> {
  const runner = loadSystemRunner();
  if (!runner) return null;
  const verdicts: ConformanceVerdict[] = [];
  const scenarios: Scenario[] = [];
  for (const file of files) {
    try {
      scenarios.push(loadScenarioFile(file));
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      verdicts.push({ id: path.basename(file, '.json'), ok: false, why: err.message });
    }
  }
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  for (const r of await runner(scenarios, { dir })) {
    const scenario = byId.get(r.id);
    if ('error' in r) verdicts.push({ id: r.id, ok: false, why: r.error });
    else if ('problems' in r) verdicts.push({ id: r.id, ok: r.ok, why: r.problems.join('; ') });
    else if (scenario) verdicts.push(verdictOf(scenario, r.determination));
    byId.delete(r.id);
  }
  for (const s of byId.values())
    verdicts.push({ id: s.id, ok: false, why: 'the system runner returned no result' });
  return verdicts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * `careledger conformance [--dir D] [--via engine|system]`: one `PASS <id>` / `FAIL <id>: <why>`
 * line per scenario and a closing `N passed, M failed`; exit 1 when any fails, 2 on bad arguments.
 */
export const registerConformance: RegisterCommand = (program: Command, setExit) => {
  program
    .command('conformance')
    .description('Run every conformance scenario of a folder and report PASS/FAIL per scenario')
    .option(
      '--dir <dir>',
      'scenario folder (default: ../shared/conformance/scenarios from the repository root)',
    )
    .option(
      '--via <path>',
      'engine (pure determineMonth) or system (API -> store -> Kafka -> projector -> query)',
      'engine',
    )
    .action(async (flags: { dir?: string; via: string }) => {
      const dir = path.resolve(flags.dir ?? path.join(repoRoot(), '../shared/conformance/scenarios'));
      if (flags.via !== 'engine' && flags.via !== 'system') {
        process.stderr.write(
          `careledger conformance: --via must be engine or system, got ${JSON.stringify(flags.via)}\n`,
        );
        setExit(2);
        return;
      }
      let files: string[];
      try {
        files = listScenarioFiles([dir]);
      } catch (err) {
        process.stderr.write(`careledger conformance: ${describeEvaluationError(dir, err)}\n`);
        setExit(2);
        return;
      }
      let verdicts: ConformanceVerdict[];
      if (flags.via === 'engine') {
        verdicts = runEngineConformance(files);
      } else {
        const system = await runViaSystem(files, dir);
        if (system === null) {
          process.stderr.write('careledger conformance: system conformance not available in this build\n');
          setExit(2);
          return;
        }
        verdicts = system;
      }
      for (const v of verdicts) process.stdout.write(v.ok ? `PASS ${v.id}\n` : `FAIL ${v.id}: ${v.why}\n`);
      const failed = verdicts.filter((v) => !v.ok).length;
      process.stdout.write(`${verdicts.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) setExit(1);
    });
};
