import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TopicDeclarationError } from './kafka.errors';
import { loadTopicDeclarations } from './topics';

describe('loadTopicDeclarations', () => {
  it('reads deploy/topics.json: the events topic has 6 partitions and keeps data forever; there is a DLQ', () => {
    const decls = loadTopicDeclarations();
    const events = decls.find((d) => d.role === 'events');
    expect(events).toMatchObject({ topic: 'careledger.events.v1', numPartitions: 6, replicationFactor: 1 });
    expect(Object.fromEntries(events!.configEntries.map((e) => [e.name, e.value]))).toMatchObject({
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
    });
    expect(decls.find((d) => d.role === 'dlq')?.topic).toBe('careledger.events.v1.dlq');
  });

  it('applies configured names and the events partition count', () => {
    const decls = loadTopicDeclarations({ eventsTopic: 'ev', dlqTopic: 'dead', eventsPartitions: 12 });
    expect(decls.map((d) => [d.role, d.topic, d.numPartitions])).toEqual([
      ['events', 'ev', 12],
      ['dlq', 'dead', 1],
    ]);
  });

  it('names the offending field of a malformed declaration', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'topics-')), 'topics.json');
    fs.writeFileSync(file, JSON.stringify({ topics: [{ role: 'events', name: 'ok', partitions: 0 }] }));
    expect(() => loadTopicDeclarations(undefined, file)).toThrow(TopicDeclarationError);
    expect(() => loadTopicDeclarations(undefined, file)).toThrow(/topics\[0\]\.partitions/);
  });
});
