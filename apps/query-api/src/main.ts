import 'reflect-metadata';
import { loadConfig } from '@careledger/config';
import { bootstrapHttpApp } from '@careledger/http';
import { QueryApiModule } from './query-api.module';

/** query-api process: read models over HTTP on port 3001. */
async function main(): Promise<void> {
  const config = loadConfig();
  await bootstrapHttpApp(QueryApiModule.forRoot(config) as never, config, {
    name: 'query-api',
    port: config.http.queryApiPort,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`query-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
