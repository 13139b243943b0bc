import 'reflect-metadata';
import { loadConfig } from '@careledger/config';
import { bootstrapHttpApp } from '@careledger/http';
import { ProjectorModule } from './projector.module';

/** Projector process: consumes `careledger.events.v1` into the read models; `/health` on port 3003. */
async function main(): Promise<void> {
  const config = loadConfig();
  await bootstrapHttpApp(ProjectorModule.forRoot(config) as never, config, {
    name: 'projector',
    port: config.http.projectorPort,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`projector: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
