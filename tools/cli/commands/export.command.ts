import type { Command } from 'commander';
import { Client } from 'pg';
import { ConfigValidationError, loadConfig } from '@careledger/config';
import {
  AnalyticsExportError,
  exportAnalyticsParquet,
  validateExportRequest,
} from '@careledger/read-models/analytics/parquet-export';
import type { RegisterCommand } from '../command.types';

interface ParquetFlags {
  tenant?: string;
  month?: string;
  out?: string;
}

/**
 * `careledger export parquet --tenant T --month M --out DIR` (issue 15 item 5, ADR 0510): one Parquet
 * file per analytics view with that tenant-month's rows and pseudonymous patient ids. Prints one line
 * per file on stdout; a bad flag or a pseudonym key that is not the configured one is one line on
 * stderr with its code, exit 2.
 */
export const registerExport: RegisterCommand = (program: Command, setExit) => {
  const exportCommand = program.command('export').description('Export analytics data');
  exportCommand
    .command('parquet')
    .description(
      'Write the analytics views (monthly minutes, billing lines, eligibility, provider of record, worklist) of one tenant-month as Parquet files, via DuckDB',
    )
    .option('--tenant <tenantId>', 'tenant (required)')
    .option('--month <YYYY-MM>', 'month (required)')
    .option('--out <dir>', 'directory for <view>.parquet (created when missing; required)')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run --silent careledger -- export parquet --tenant demo-health --month 2026-10 --out analytics-2026-10\n',
    )
    .action(async (flags: ParquetFlags) => {
      const request = { tenantId: flags.tenant ?? '', month: flags.month ?? '', outDir: flags.out ?? '' };
      let client: Client | undefined;
      try {
        validateExportRequest(request);
        const config = loadConfig();
        client = new Client({ ...config.db, password: config.db.password || undefined });
        await client.connect();
        const files = await exportAnalyticsParquet(client, {
          ...request,
          pseudonymSecret: config.readSide.pseudonymSecret,
        });
        for (const f of files) process.stdout.write(`${f.file}\t${f.rows} rows\n`);
      } catch (err) {
        if (err instanceof AnalyticsExportError || err instanceof ConfigValidationError) {
          const code = (err as { code?: string }).code;
          process.stderr.write(`careledger export parquet: ${code ? `${code}: ` : ''}${err.message}\n`);
          setExit(2);
          return;
        }
        throw err;
      } finally {
        await client?.end();
      }
    });
};
