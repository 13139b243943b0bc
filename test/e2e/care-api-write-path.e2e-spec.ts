import request from 'supertest';
import type { RecordedEvent } from '@careledger/domain';
import { verifyChain } from '@careledger/event-store';
import {
  BODY,
  eventually,
  randomTenant,
  readTopic,
  startCareApi,
  type CareApiHarness,
} from './care-api.e2e-helpers';

/** The value of a counter in care-api's Prometheus scrape (0 when not yet reported). */
async function counter(h: CareApiHarness, name: string): Promise<number> {
  const res = await request(h.http).get('/metrics').expect(200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

/**
 * The write path of ADR 0405 over HTTP, with the real PostgreSQL, relay and Kafka: concurrent
 * commands on one patient are queued in care-api, so they all succeed without a lost race, are
 * appended in the order they were accepted, and reach the topic once each, in stream order.
 */
describe('care-api write path (real PostgreSQL and Kafka)', () => {
  let h: CareApiHarness;

  beforeAll(async () => {
    h = await startCareApi();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('given a patient, when 30 care-time commands on it arrive at once, then every one is 201, none lost a race, and the topic has them once in stream order', async () => {
    const tenant = randomTenant();
    const admin = await h.token(tenant, ['admin']);
    const nurse = await h.token(tenant, ['care_manager'], ['primary-care'], 'u-rn-7');
    const post = (path: string, token: string, body: object) =>
      request(h.http).post(`/v1/tenants/${tenant}${path}`).set('Authorization', `Bearer ${token}`).send(body);
    await post('/organizations', admin, BODY.organization()).expect(201);
    await post('/patients', admin, BODY.patient('P01')).expect(201);
    const conflictsBefore = await counter(h, 'careledger_event_store_concurrency_conflicts_total');

    const n = 30;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) => post('/patients/P01/care-time', nurse, BODY.careTime(`e-${i}`, 5))),
    );

    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(201));
    expect(await counter(h, 'careledger_event_store_concurrency_conflicts_total')).toBe(conflictsBefore);
    const versions = answers.map(
      (a) => (a.body as { streams: { streamVersion: number }[] }).streams[0]!.streamVersion,
    );
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    const stream = await h.store.readStream(`${tenant}:P01`);
    expect(stream).toHaveLength(n + 1);
    expect(verifyChain(stream).ok).toBe(true);

    const mine = await eventually(async () => {
      const msgs = (await readTopic(h.kafka, h.topic, n + 2)).filter((m) => m.key === `${tenant}:P01`);
      return msgs.length >= n + 1 ? msgs : undefined;
    });
    expect(mine.map((m) => (m.value as unknown as RecordedEvent).streamVersion)).toEqual(
      Array.from({ length: n + 1 }, (_, i) => i + 1),
    );
  });
});
