import 'reflect-metadata';
import { loadConfig } from '@careledger/config';
import { bootstrapHttpApp } from '@careledger/http';
import { AuditModule } from './audit.module';

/** Audit process: replays for auditors over HTTP on port 3002 (`/docs`, `/health`). */
async function main(): Promise<void> {
  const config = loadConfig();
  await bootstrapHttpApp(AuditModule.forRoot(config) as never, config, {
    name: 'audit',
    port: config.http.auditPort,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`audit: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
