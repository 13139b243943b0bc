import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Command } from 'commander';
import { ConfigValidationError, loadConfig } from '@careledger/config';
import { ReplayAuditRepository } from '../../../apps/audit/src/replay/replay-audit.repository';
import { createReplayContext } from '../../../apps/audit/src/replay/replay-context';
import { formatReport } from '../../../apps/audit/src/replay/replay-format';
import { parseReplayOptions, ReplayArgumentError } from '../../../apps/audit/src/replay/replay-options';
import { createProgress } from '../../../apps/audit/src/replay/replay-progress';
import type { RegisterCommand } from '../command.types';

interface ReplayFlags {
  tenant?: string;
  month?: string;
  asOf?: string;
  source?: string;
  rules?: string;
  patient?: string;
  format?: string;
  out?: string;
}

/** Domain errors that mean "the question is wrong" (e.g. a month without a rule set): exit 2. */
function isBadInput(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown }).code;
  return err instanceof ReplayArgumentError || code === 'RULES.MISSING' || code === 'RULES.BAD_INPUT';
}

/**
 * `careledger audit replay --tenant T --month YYYY-MM [--as-of INSTANT] [--source kafka|store]
 * [--rules CY2025|CY2026] [--patient P] [--format json|csv] [--out FILE]`. Exit 0 when a report is
 * produced (drift, mismatches and chain breaks are findings, not failures), 2 on bad arguments.
 */
export const registerAudit: RegisterCommand = (program: Command, setExit) => {
  const audit = program
    .command('audit')
    .description('Audit: replay months from the log and explain differences');
  audit
    .command('replay')
    .description(
      'Replay a tenant-month from Kafka or the event store as of a knowledge time; report determinations, digest, drift, claim mismatches and hash-chain breaks',
    )
    .option('--tenant <tenantId>', 'tenant to replay (required)')
    .option('--month <YYYY-MM>', 'billing month (required)')
    .option('--as-of <instant>', 'knowledge time, ISO-8601 with offset: only events recorded at or before it')
    .option('--source <source>', 'kafka (scan the events topic) or store (the event store)', 'kafka')
    .option('--rules <ruleSet>', 'replay under another rule set: CY2025 or CY2026 ("what if")')
    .option('--patient <patientId>', 'replay one patient only')
    .option('--format <format>', 'json or csv (one row per billed line)', 'json')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(async (flags: ReplayFlags) => {
      let options;
      try {
        options = parseReplayOptions({
          tenant: flags.tenant,
          month: flags.month,
          asOf: flags.asOf,
          source: flags.source,
          rules: flags.rules,
          patient: flags.patient,
          format: flags.format,
        });
      } catch (err) {
        if (err instanceof ReplayArgumentError) {
          const flag = { asOf: '--as-of' }[err.field] ?? `--${err.field}`;
          process.stderr.write(
            `careledger audit replay: ${flag} ${err.message.slice(err.field.length + 2)}\n`,
          );
          setExit(2);
          return;
        }
        throw err;
      }
      let config;
      try {
        config = loadConfig();
      } catch (err) {
        if (err instanceof ConfigValidationError) {
          process.stderr.write(`careledger audit replay: ${err.message}\n`);
          setExit(2);
          return;
        }
        throw err;
      }
      const context = createReplayContext(config);
      try {
        const report = await context.runner.run(
          options,
          context.source(options.source),
          createProgress(process.stderr),
        );
        // Every replay leaves an audit record, from the CLI too (the operating-system account is who).
        await new ReplayAuditRepository(context.pool)
          .record(
            options.tenantId,
            { subject: `cli:${os.userInfo().username}`, roles: ['cli'], channel: 'cli' },
            options,
            { report },
          )
          .catch((err: unknown) =>
            process.stderr.write(
              `audit replay: warning: no audit record written (${(err as Error).message}); run careledger migrate\n`,
            ),
          );
        const text = formatReport(report, options.format);
        if (flags.out) fs.writeFileSync(flags.out, text);
        else process.stdout.write(text);
        process.stderr.write(
          `audit replay: digest ${report.digest} (${report.rulesVersion}, as of ${report.asOf ?? 'all recorded'}), ` +
            `${report.determinations.length} patient-months, ${report.drift.length} drift, ` +
            `${report.claimMismatches.length} claim mismatches, ${report.chainBreaks.length} chain breaks, ` +
            `${report.restatements.length} restatements since close\n`,
        );
      } catch (err) {
        if (isBadInput(err)) {
          process.stderr.write(`careledger audit replay: ${err.message}\n`);
          setExit(2);
          return;
        }
        throw err;
      } finally {
        await context.close();
      }
    });
};
