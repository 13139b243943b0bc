import { loadTopicDeclarations } from '@careledger/kafka';
import { localInfra, testConfig } from '@careledger/testing/infra';

/**
 * deploy/local/infra.js against the real machine: `up` is idempotent, `status` reports both services
 * with the declared topics and the project's databases, and the script and @careledger/kafka read the
 * one topic declaration (deploy/topics.json) the same way.
 */
interface InfraStatus {
  ok: boolean;
  kafka: {
    up: boolean;
    version: string;
    missingTopics: string[];
    topics: { name: string; partitions: number }[];
  };
  postgres: { up: boolean; databases: string[]; missingDatabases: string[] };
}
interface InfraModule {
  up(): Promise<{ kafka: { started: boolean }; topics: string[] }>;
  status(): Promise<InfraStatus>;
  topicDeclarations(): {
    role: string;
    topic: string;
    numPartitions: number;
    configEntries: { name: string; value: string }[];
  }[];
}
const infra = localInfra() as unknown as InfraModule;

describe('deploy/local/infra.js', () => {
  it('up twice in a row is harmless: the second call starts nothing', async () => {
    await infra.up();
    const again = await infra.up();
    expect(again.kafka.started).toBe(false);
  });

  it('status reports Kafka 4.1 with the declared topics and PostgreSQL with both databases', async () => {
    const status = await infra.status();
    expect(status.ok).toBe(true);
    expect(status.kafka.version).toMatch(/^4\.1\./);
    expect(status.kafka.missingTopics).toEqual([]);
    expect(status.postgres.missingDatabases).toEqual([]);
    expect(status.postgres.databases).toContain('careledger_test');
  });

  it('reads deploy/topics.json exactly as @careledger/kafka does', () => {
    const fromScript = infra.topicDeclarations().map(({ role, topic, numPartitions, configEntries }) => ({
      role,
      topic,
      numPartitions,
      configEntries,
    }));
    const fromLib = loadTopicDeclarations(testConfig().kafka).map(
      ({ role, topic, numPartitions, configEntries }) => ({
        role,
        topic,
        numPartitions,
        configEntries,
      }),
    );
    expect(fromScript).toEqual(fromLib);
  });
});
