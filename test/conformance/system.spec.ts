import * as path from 'node:path';
import { repoRoot } from '@careledger/config';
import { compareWithExpectation, loadScenarioDir } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { runSystemConformance, type SystemScenarioResult } from '../../tools/cli/conformance-system';

/**
 * Every public scenario through the running system: care-api import -> event store -> outbox relay ->
 * Kafka (private 6-partition topic) -> projector -> PostgreSQL read models -> query-api, all real.
 */
const dir = path.join(repoRoot(), '../shared/conformance/scenarios');
const shared = loadScenarioDir(dir);
/** The project's own scenarios for the contract extension 1.1, through the same running system. */
const own = loadScenarioDir(path.join(__dirname, 'scenarios'));
const scenarios = [...shared.scenarios, ...own.scenarios];
const errors = [...shared.errors, ...own.errors];

describe('conformance through the running system', () => {
  let results: SystemScenarioResult[] = [];

  beforeAll(async () => {
    const config = testConfig();
    results = await runSystemConformance(scenarios, {
      dir,
      overrides: { CARELEDGER_DB_NAME: config.db.database },
      concurrency: 4,
    });
  }, 600_000);

  it('loads every scenario file', () => {
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(scenarios.length).toBeGreaterThan(0);
  });

  it.each(scenarios.map((s, i) => [s.id, i] as const))('%s', (_id, i) => {
    const r = results[i]!;
    if ('error' in r) throw new Error(r.error);
    const c = compareWithExpectation(scenarios[i]!.expected!, r.determination);
    expect(c.problems).toEqual([]);
  });
});
