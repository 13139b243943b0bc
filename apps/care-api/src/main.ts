import 'reflect-metadata';
import { loadConfig } from '@careledger/config';
import { bootstrapHttpApp } from '@careledger/http';
import { CareApiModule } from './care-api.module';

/** care-api: the write side (commands, import, outbox relay when enabled) on `http.careApiPort`. */
async function main(): Promise<void> {
  const config = loadConfig();
  await bootstrapHttpApp(CareApiModule.forRoot(config) as never, config, {
    name: 'care-api',
    description: 'CareLedger write side: every care action becomes an immutable event',
    port: config.http.careApiPort,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`care-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
