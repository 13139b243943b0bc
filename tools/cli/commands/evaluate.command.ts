import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { type ReferenceData, determineMonth, type MonthDetermination } from '@careledger/domain';
import { type Scenario, ScenarioError, listScenarioFiles, loadScenarioFile } from '@careledger/testing';
import type { RegisterCommand } from '../command.types';

/** Evaluates one scenario through the pure engine (the same call projections and replays make). */
export function evaluateScenario(scenario: Scenario, reference: ReferenceData): MonthDetermination {
  return determineMonth(scenario.events, { ...scenario.evaluate, reference });
}

/** A readable one-paragraph reason why a file could not be evaluated (ids and fields only). */
export function describeEvaluationError(file: string, err: unknown): string {
  if (err instanceof ScenarioError) return err.message;
  const e = err as { code?: unknown; message?: unknown; field?: unknown };
  if (typeof e.code === 'string' && typeof e.message === 'string') {
    return `${file}: ${e.code}${typeof e.field === 'string' ? ` (${e.field})` : ''}: ${e.message}`;
  }
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `${file}: no such file or folder`;
  return `${file}: ${err instanceof Error ? err.message : String(err)}`;
}

function idForFile(file: string): string {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { id?: unknown };
    if (typeof raw.id === 'string' && /^[A-Za-z0-9._-]+$/.test(raw.id)) return raw.id;
  } catch {
    /* unreadable or not JSON: fall back to the file name */
  }
  return path.basename(file).replace(/\.json$/i, '');
}

/**
 * `careledger evaluate <scenario.json>` prints the evaluation JSON (exit 0; exit 2 with an error
 * naming the file and field when it cannot be evaluated). `careledger evaluate <file-or-folder>...
 * --out DIR` writes `DIR/<id>.json` per scenario and `DIR/<id>.error.txt` for each file that cannot
 * be evaluated, going on with the rest (exit 2 when any could not be evaluated).
 */
export const registerEvaluate: RegisterCommand = (program: Command, setExit) => {
  program
    .command('evaluate')
    .description('Evaluate conformance scenario files through the rules engine (determineMonth)')
    .argument('<inputs...>', 'scenario files or folders of *.json scenarios')
    .option('--out <dir>', 'write <id>.json (or <id>.error.txt) per scenario into this folder')
    .action((inputs: string[], flags: { out?: string }) => {
      const reference = loadReferenceData(loadConfig().dataDir);
      let files: string[];
      try {
        files = listScenarioFiles(inputs);
      } catch (err) {
        process.stderr.write(
          `careledger evaluate: ${describeEvaluationError(String((err as { path?: string }).path ?? inputs.join(' ')), err)}\n`,
        );
        setExit(2);
        return;
      }
      if (flags.out === undefined) {
        if (files.length !== 1) {
          process.stderr.write(
            `careledger evaluate: ${files.length} scenario files given; pass --out DIR to evaluate several at once\n`,
          );
          setExit(2);
          return;
        }
        const file = files[0]!;
        try {
          const result = evaluateScenario(loadScenarioFile(file), reference);
          process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        } catch (err) {
          process.stderr.write(`careledger evaluate: ${describeEvaluationError(file, err)}\n`);
          setExit(2);
        }
        return;
      }
      fs.mkdirSync(flags.out, { recursive: true });
      let ok = 0;
      let failed = 0;
      for (const file of files) {
        let id = idForFile(file);
        try {
          const scenario = loadScenarioFile(file);
          id = scenario.id;
          const result = evaluateScenario(scenario, reference);
          fs.writeFileSync(path.join(flags.out, `${id}.json`), `${JSON.stringify(result, null, 2)}\n`);
          ok++;
        } catch (err) {
          fs.writeFileSync(
            path.join(flags.out, `${id}.error.txt`),
            `${describeEvaluationError(file, err)}\n`,
          );
          failed++;
        }
      }
      process.stderr.write(
        `careledger evaluate: ${ok} evaluated, ${failed} could not be evaluated (written to ${flags.out})\n`,
      );
      if (failed > 0) setExit(2);
    });
};
