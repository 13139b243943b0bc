import { loadConfig } from '@careledger/config';
import { startConsoleServer } from './console-server';

/** console process: the web console on port 3004 (ADR 1000). */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startConsoleServer(config);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.consolePort;
  process.stdout.write(`console listening on http://${config.http.host}:${port}\n`);
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`console: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
