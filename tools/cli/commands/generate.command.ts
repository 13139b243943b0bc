import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { NO_REFERENCE_DATA } from '@careledger/domain';
import { describeHealthSystem, generateHealthSystem, writeNdjson } from '@careledger/testing';
import type { RegisterCommand } from '../command.types';

interface GenerateFlags {
  seed: string;
  patients: string;
  months?: string;
  tenant: string;
  until?: string;
  organizations: string;
  out?: string;
  lateEntries: boolean;
  claims: boolean;
  reference: boolean;
}

/** A flag that is wrong: reported as `--flag message`, exit 2. */
class FlagError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag} ${message}`);
  }
}

function parseFlags(f: GenerateFlags) {
  const int = (flag: string, v: string, min: number, max: number): number => {
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max)
      throw new FlagError(flag, `must be an integer from ${min} to ${max}`);
    return Number(v);
  };
  if (!f.months) throw new FlagError('--months', 'is required (e.g. --months 2025-05,2025-06)');
  const months = f.months
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of months)
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m)) throw new FlagError('--months', `"${m}" is not YYYY-MM`);
  if (f.until !== undefined && (!/(Z|[+-]\d{2}:\d{2})$/.test(f.until) || Number.isNaN(Date.parse(f.until))))
    throw new FlagError('--until', 'must be an ISO-8601 instant with an offset (e.g. 2025-07-15T12:00:00Z)');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(f.tenant))
    throw new FlagError('--tenant', 'must be lower-case letters, digits and dashes');
  return {
    seed: int('--seed', f.seed, -2147483648, 4294967295),
    patients: int('--patients', f.patients, 1, 10_000_000),
    organizations: int('--organizations', f.organizations, 2, 6),
    months,
  };
}

/**
 * `careledger generate --seed 7 --patients 500 --months 2025-05,2025-06 --tenant demo-health
 * [--until INSTANT] [--out FILE.ndjson]`: a synthetic health system as contract events (NDJSON) in
 * recording order. Progress goes to stderr; events go to `--out` or stdout.
 */
export const registerGenerate: RegisterCommand = (program: Command, setExit) => {
  program
    .command('generate')
    .description(
      'Generate a deterministic synthetic health system as contract events (NDJSON, recording order)',
    )
    .option('--seed <n>', 'seed of the generator (same seed and options, same events)', '7')
    .option('--patients <n>', 'number of patients', '500')
    .option('--months <list>', 'months of care activity, comma-separated YYYY-MM (required)')
    .option('--tenant <tenantId>', 'tenant id stamped on every event', 'demo-health')
    .option('--until <instant>', 'knowledge cut-off: nothing recorded after this instant is written')
    .option('--organizations <n>', 'organizations, 2..6 (2 = a practice and an FQHC in two zones)', '4')
    .option('--no-late-entries', 'record every entry soon after it happened')
    .option('--no-claims', 'do not submit MonthClaimed events')
    .option('--no-reference', 'use only the built-in diagnosis list, not the configured ICD-10-CM files')
    .option('--out <file>', 'write NDJSON to this file instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  careledger generate --seed 7 --patients 500 --months 2025-05,2025-06 --tenant demo-health --out demo.ndjson\n' +
        '  careledger generate --months 2025-06,2025-07 --until 2025-07-15T12:00:00Z > partial.ndjson\n',
    )
    .action(async (flags: GenerateFlags) => {
      let parsed;
      try {
        parsed = parseFlags(flags);
      } catch (err) {
        if (err instanceof FlagError) {
          process.stderr.write(`careledger generate: ${err.message}\n`);
          setExit(2);
          return;
        }
        throw err;
      }
      const reference = flags.reference ? loadReferenceData(loadConfig().dataDir) : NO_REFERENCE_DATA;
      process.stderr.write(`careledger generate: reference data: ${reference.source}\n`);
      const bar = new SingleBar(
        {
          stream: process.stderr,
          format: '{phase} |{bar}| {value}/{total}',
          hideCursor: true,
          noTTYOutput: false,
        },
        Presets.shades_classic,
      );
      const tty = process.stderr.isTTY === true;
      if (tty) bar.start(parsed.patients, 0, { phase: 'patients' });
      let lastLine = 0;
      const events = generateHealthSystem({
        seed: parsed.seed,
        tenantId: flags.tenant,
        patients: parsed.patients,
        months: parsed.months,
        organizations: parsed.organizations,
        lateEntries: flags.lateEntries,
        claims: flags.claims,
        until: flags.until ?? null,
        reference,
        onProgress: (done, total) => {
          if (tty) bar.update(done);
          else if (done === total || done - lastLine >= Math.max(1, Math.floor(total / 10))) {
            lastLine = done;
            process.stderr.write(`careledger generate: ${done}/${total} patients\n`);
          }
        },
      });
      if (tty) bar.stop();
      const stats = describeHealthSystem(events);
      if (!flags.out) {
        // `careledger generate ... | head` closes the pipe early: stop quietly.
        process.stdout.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(0);
          throw err;
        });
      }
      const written = await writeNdjson(events, flags.out ?? process.stdout);
      process.stderr.write(
        `careledger generate: ${written} events (${stats.patients} patients, ${stats.organizations} organizations, ` +
          `${stats.practitioners} practitioners, ${stats.byType['CareTimeLogged'] ?? 0} time entries, ` +
          `${stats.byType['MonthClaimed'] ?? 0} claims)${flags.out ? ` -> ${flags.out}` : ''}\n`,
      );
    });
};
