import { localInfra, migrateTestDatabase, testConfig } from './infra';

const READY = Symbol.for('careledger.test-infra-ready');

/**
 * Jest globalSetup of the integration, e2e and conformance projects: bring the real infrastructure
 * up (a fast no-op when it is up), create `careledger_test` and migrate it. Runs once per project in
 * Jest's parent process, so the work is memoized across projects of one run.
 */
export default async function globalSetup(): Promise<void> {
  const g = globalThis as Record<symbol, Promise<void> | undefined>;
  g[READY] ??= (async () => {
    const config = testConfig();
    await localInfra().up();
    await migrateTestDatabase(config.db);
  })();
  await g[READY];
}
