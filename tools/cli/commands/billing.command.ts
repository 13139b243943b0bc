import * as os from 'node:os';
import type { Command } from 'commander';
import { Pool } from 'pg';
import {
  ConfigValidationError,
  loadConfig,
  loadReferenceData,
  type CareLedgerConfig,
} from '@careledger/config';
import { DomainError, formatCents } from '@careledger/domain';
import { createPgPool } from '@careledger/http';
import {
  deliverPending,
  exportMessages,
  listDeadLetters,
  requeueDeadLetter,
  resolutionReasonProblem,
  resolveRestatement,
} from '@careledger/charge-feed';
import {
  BillingNotClosedError,
  BillingOffice,
  loadFeeSchedule,
  type FeeSummary,
} from '@careledger/billing-office';
import type { RegisterCommand } from '../command.types';

/**
 * `careledger billing close|reopen` and `careledger charges export|send` (issue 16, ADR 0610-0613).
 * Each prints what it did on stdout; a refusal (month not over, already closed, not closed, missing
 * NPI/TIN, bad flag) is one line on stderr naming the reason, exit 2; an undeliverable feed, exit 1.
 */

interface MonthFlags {
  tenant?: string;
  month?: string;
  organization?: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Thrown for a flag that is missing or malformed; names the flag. */
class FlagError extends Error {}

function checkMonthFlags(flags: MonthFlags, organizationRequired = false): void {
  if (!flags.tenant || !ID.test(flags.tenant)) throw new FlagError('--tenant is required (a tenant id)');
  if (!flags.month || !MONTH.test(flags.month)) throw new FlagError('--month is required as YYYY-MM');
  if (organizationRequired && !flags.organization) throw new FlagError('--organization is required');
  if (flags.organization !== undefined && !ID.test(flags.organization))
    throw new FlagError('--organization must be an organization id');
}

/** The operating-system account is who acts from the CLI, as with `audit replay` (ADR 0610). */
function cliActor(role: 'billing' | 'admin') {
  const user = os.userInfo().username.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown';
  return { userId: `cli.${user}`.slice(0, 64), role, departmentId: 'billing' };
}

/** Run one billing-office action with a configured office; maps refusals to exit 2. */
async function withOffice(
  name: string,
  setExit: (code: number) => void,
  work: (office: BillingOffice, config: CareLedgerConfig, pool: Pool) => Promise<void>,
): Promise<void> {
  let config: CareLedgerConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`careledger ${name}: ${err.message}\n`);
      setExit(2);
      return;
    }
    throw err;
  }
  const pool = createPgPool(config, 'careledger-billing');
  const office = new BillingOffice({
    pool,
    referenceData: loadReferenceData(config.dataDir),
    fees: loadFeeSchedule(config.dataDir),
    outboxTopics: [config.kafka.eventsTopic],
  });
  try {
    await work(office, config, pool);
  } catch (err) {
    if (err instanceof FlagError || err instanceof DomainError || err instanceof BillingNotClosedError) {
      const code = (err as { code?: string }).code;
      process.stderr.write(`careledger ${name}: ${code ? `${code}: ` : ''}${err.message}\n`);
      setExit(2);
      return;
    }
    throw err;
  } finally {
    await pool.end();
  }
}

function receiverOf(config: CareLedgerConfig): { application: string; facility: string } {
  const [application, facility] = (config.chargeFeed?.receiver ?? 'EHR^EHR').split('^') as [string, string];
  return { application, facility };
}

const units = (u: Record<string, number>): string =>
  Object.entries(u)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([c, n]) => `${c}x${n}`)
    .join(' ') || 'none';

/** `USD 318.26 (CY2025 CMS PFS ...)`, then each code without a fee and why (never a silent zero). */
const fees = (f: FeeSummary): string =>
  `USD ${formatCents(f.amountCents)} (${f.basis})` +
  (f.unpriced.length > 0 ? `; no fee: ${f.unpriced.map((u) => `${u.code} ${u.reason}`).join(', ')}` : '');

const example = (...lines: string[]): string =>
  `\nExamples:\n${lines.map((l) => `  npm run --silent careledger -- ${l}`).join('\n')}\n`;

export const registerBilling: RegisterCommand = (program: Command, setExit) => {
  const billing = program
    .command('billing')
    .description('Billing office: close and reopen months')
    .addHelpText('after', example('billing close --tenant demo-health --month 2026-10'));
  billing
    .command('close')
    .description(
      'Close a tenant-month (one organization, or every organization): freeze its lines and record the replay digest',
    )
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--month <YYYY-MM>', 'month to close (required; must be over in the organization zone)')
    .option('--organization <organizationId>', 'one organization (default: every organization of the tenant)')
    .addHelpText(
      'after',
      example(
        'billing close --tenant demo-health --month 2026-10',
        'billing close --tenant demo-health --month 2026-10 --organization ORG-A',
      ),
    )
    .action((flags: MonthFlags) =>
      withOffice('billing close', setExit, async (office) => {
        checkMonthFlags(flags);
        const closed = await office.close(
          flags.tenant!,
          flags.month!,
          flags.organization,
          cliActor('billing'),
        );
        for (const c of closed)
          process.stdout.write(
            `closed ${c.closeId}: ${c.patientMonths} patient-months, ${c.lines} lines (${units(c.units)}), ` +
              `as of ${c.asOf}, replay digest ${c.replayDigest}\n  fees ${fees(c.fees)}\n`,
          );
      }),
    );
  billing
    .command('reopen')
    .description('Reopen a closed month (privileged: recorded as a MonthReopened event with the reason)')
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--month <YYYY-MM>', 'month (required)')
    .option('--organization <organizationId>', 'organization (required)')
    .option('--reason <text>', 'why the month is reopened (required)')
    .addHelpText(
      'after',
      example(
        "billing reopen --tenant demo-health --month 2026-10 --organization ORG-A --reason 'consent date corrected'",
      ),
    )
    .action((flags: MonthFlags & { reason?: string }) =>
      withOffice('billing reopen', setExit, async (office) => {
        checkMonthFlags(flags, true);
        if (!flags.reason) throw new FlagError('--reason is required');
        const closeId = await office.reopen(
          flags.tenant!,
          flags.month!,
          flags.organization!,
          flags.reason,
          cliActor('admin'),
        );
        process.stdout.write(`reopened ${closeId} (${flags.organization} ${flags.month})\n`);
      }),
    );

  const charges = program
    .command('charges')
    .description('Charge feed: HL7 v2.5.1 DFT^P03 to the EHR')
    .addHelpText('after', example('charges export --tenant demo-health --month 2026-10 --out charges/'));
  charges
    .command('export')
    .description(
      "Write a closed month's DFT^P03 messages (restatements included) to files: UTF-8, CR between segments, a blank line between messages",
    )
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--month <YYYY-MM>', 'closed month (required)')
    .option('--organization <organizationId>', 'one organization (default: every closed one)')
    .option('--out <dir>', 'folder to write to (required)')
    .addHelpText('after', example('charges export --tenant demo-health --month 2026-10 --out charges/'))
    .action((flags: MonthFlags & { out?: string }) =>
      withOffice('charges export', setExit, async (office, config, pool) => {
        checkMonthFlags(flags);
        if (!flags.out) throw new FlagError('--out is required (a folder)');
        const prepared = await office.prepareCharges(flags.tenant!, flags.month!, flags.organization, {
          receiver: receiverOf(config),
        });
        const files = await exportMessages(
          pool,
          {
            tenantId: flags.tenant!,
            month: flags.month!,
            ...(flags.organization ? { organizationId: flags.organization } : {}),
          },
          flags.out,
        );
        process.stdout.write(
          `prepared ${prepared.messages} new messages, ${prepared.restatements} new restatements (${prepared.closes.join(', ')}), ` +
            `net fees ${fees(prepared.fees)}\n`,
        );
        for (const f of files) process.stdout.write(`wrote ${f.file}: ${f.messages} messages\n`);
      }),
    );
  charges
    .command('send')
    .description(
      "Deliver a closed month's DFT^P03 messages over MLLP (CARELEDGER_CHARGE_FEED_MLLP_ENDPOINT) until acknowledged",
    )
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--month <YYYY-MM>', 'closed month (required)')
    .option('--organization <organizationId>', 'one organization (default: every closed one)')
    .option('--timeout <seconds>', 'give up (exit 1, messages stay queued) after this long', '60')
    .addHelpText('after', example('charges send --tenant demo-health --month 2026-10 --timeout 120'))
    .action((flags: MonthFlags & { timeout: string }) =>
      withOffice('charges send', setExit, async (office, config, pool) => {
        checkMonthFlags(flags);
        const endpoint = config.chargeFeed?.mllpEndpoint;
        if (!endpoint)
          throw new FlagError('CARELEDGER_CHARGE_FEED_MLLP_ENDPOINT is not set (host:port of the EHR)');
        const timeout = Number(flags.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0)
          throw new FlagError('--timeout must be a number of seconds');
        const prepared = await office.prepareCharges(flags.tenant!, flags.month!, flags.organization, {
          receiver: receiverOf(config),
        });
        const [host, port] = endpoint.split(':') as [string, string];
        const r = await deliverPending(
          pool,
          {
            tenantId: flags.tenant!,
            month: flags.month!,
            ...(flags.organization ? { organizationId: flags.organization } : {}),
          },
          {
            endpoint: { host, port: Number(port) },
            maxAttempts: config.chargeFeed?.maxAttempts ?? 5,
            retryBaseMs: config.chargeFeed?.retryBaseMs ?? 1000,
            ackTimeoutMs: config.chargeFeed?.ackTimeoutMs ?? 10_000,
            deadlineMs: timeout * 1000,
            log: (line) => process.stderr.write(`${line}\n`),
          },
        );
        process.stdout.write(
          `prepared ${prepared.messages} new messages, ${prepared.restatements} new restatements, ` +
            `net fees ${fees(prepared.fees)}; ` +
            `acknowledged ${r.acknowledged}, NAKs ${r.naks}, dead-lettered ${r.deadLettered}, still pending ${r.pending}\n`,
        );
        if (r.pending > 0 || r.deadLettered > 0) setExit(1);
      }),
    );
  charges
    .command('dead-letters')
    .description('List the messages the receiver NAKed on every try; --requeue puts one back in the queue')
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--month <YYYY-MM>', 'month (required)')
    .option('--organization <organizationId>', 'one organization')
    .option('--requeue <controlId>', 'queue this dead-lettered message again (after the cause is fixed)')
    .addHelpText('after', example('charges dead-letters --tenant demo-health --month 2026-10'))
    .action((flags: MonthFlags & { requeue?: string }) =>
      withOffice('charges dead-letters', setExit, async (_office, _config, pool) => {
        checkMonthFlags(flags);
        if (flags.requeue) {
          if (!(await requeueDeadLetter(pool, flags.requeue)))
            throw new FlagError(`--requeue ${flags.requeue} is not a dead-lettered message`);
          process.stdout.write(`requeued ${flags.requeue}\n`);
          return;
        }
        const dead = await listDeadLetters(pool, {
          tenantId: flags.tenant!,
          month: flags.month!,
          ...(flags.organization ? { organizationId: flags.organization } : {}),
        });
        for (const d of dead)
          process.stdout.write(
            `${d.controlId} ${d.patientId} ${d.attempts} tries, last ${d.ackCode ?? '-'}: ${d.error ?? ''}\n`,
          );
        process.stdout.write(`${dead.length} dead-lettered\n`);
      }),
    );
  charges
    .command('resolve')
    .description('Resolve an open restatement by hand, with a reason (the site corrected the claim itself)')
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--restatement <restatementId>', 'restatement id (required)')
    .option('--reason <text>', 'why (required)')
    .addHelpText(
      'after',
      example(
        "charges resolve --tenant demo-health --restatement ORG-A.2026-10.c1.P0001.r1 --reason 'corrected in the EHR'",
      ),
    )
    .action((flags: { tenant?: string; restatement?: string; reason?: string }) =>
      withOffice('charges resolve', setExit, async (_office, _config, pool) => {
        if (!flags.tenant || !ID.test(flags.tenant))
          throw new FlagError('--tenant is required (a tenant id)');
        if (!flags.restatement) throw new FlagError('--restatement is required');
        const reasonProblem = resolutionReasonProblem(flags.reason);
        if (reasonProblem) throw new FlagError(`--reason ${reasonProblem}`);
        const by = cliActor('billing').userId;
        if (!(await resolveRestatement(pool, flags.tenant, flags.restatement, by, flags.reason!.trim())))
          throw new FlagError(
            `--restatement ${flags.restatement} is not an open restatement of ${flags.tenant}`,
          );
        process.stdout.write(`resolved ${flags.restatement} by ${by}\n`);
      }),
    );
};
