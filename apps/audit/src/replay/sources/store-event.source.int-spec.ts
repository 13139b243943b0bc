import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { ContractEvent, RecordedEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { testConfig } from '@careledger/testing/infra';
import { StoreEventSource } from './store-event.source';

const config = testConfig();
const opts = () => ({ correlationId: randomUUID() });

const organization = (tenantId: string): ContractEvent => ({
  type: 'OrganizationRegistered',
  schemaVersion: 1,
  tenantId,
  occurredAt: '2025-01-01T00:00:00Z',
  recordedAt: '2025-01-01T00:00:00Z',
  actor: { userId: 'admin-1', role: 'admin', departmentId: 'it' },
  data: {
    organizationId: 'org-1',
    name: 'Synthetic Clinic',
    timezone: 'America/New_York',
    kind: 'practice',
  },
});

const logged = (tenantId: string, patientId: string, n: number): ContractEvent => ({
  type: 'CareTimeLogged',
  schemaVersion: 1,
  tenantId,
  patientId,
  occurredAt: '2025-06-04T14:00:00-04:00',
  recordedAt: `2025-06-04T19:${String(n % 60).padStart(2, '0')}:00Z`,
  actor: { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' },
  data: {
    entryId: `e${n}`,
    program: 'CCM',
    performerId: 'rn-7',
    performerRole: 'clinical_staff',
    billingPractitionerId: 'md-1',
    startedAt: '2025-06-04T14:00:00-04:00',
    minutes: 5,
    activity: 'synthetic phone follow-up',
  },
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const scansOfEvents = (node: PlanNode): PlanNode[] => [
  ...(node['Relation Name'] === 'events' ? [node] : []),
  ...(node.Plans ?? []).flatMap(scansOfEvents),
];

/**
 * A store-sourced replay costs the same whatever other tenants hold: every query the source sends
 * (recorded on a real pool) is run again under EXPLAIN ANALYZE beside a tenant with 100 times the
 * events, and reads only the replayed tenant's (or patient's) rows, through an index.
 */
describe('StoreEventSource reads only the replayed scope (real PostgreSQL)', () => {
  let pool: Pool;
  const small = `iso-small-${randomUUID().slice(0, 8)}`;
  const big = `iso-big-${randomUUID().slice(0, 8)}`;
  const seen: { text: string; values: unknown[] }[] = [];

  beforeAll(async () => {
    pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 4 });
    const store = new EventStore(pool);
    await store.append(small, 0, [organization(small)], opts());
    for (const p of ['p1', 'p2', 'p3'])
      await store.append(
        `${small}:${p}`,
        0,
        [0, 1, 2, 3, 4].map((n) => logged(small, p, n)),
        opts(),
      );
    await store.append(big, 0, [organization(big)], opts());
    for (let p = 0; p < 30; p++)
      await store.append(
        `${big}:p${p}`,
        0,
        Array.from({ length: 60 }, (_, n) => logged(big, `p${p}`, n)),
        opts(),
      );
    await pool.query('ANALYZE events');
  }, 120_000);
  afterAll(async () => {
    await pool.end();
  });

  /** The source over a pool that records every query it sends (then runs it for real). */
  function recordingSource(): StoreEventSource {
    const recording = {
      query: (text: string, values: unknown[]) => {
        seen.push({ text, values });
        return pool.query(text, values);
      },
    } as unknown as Pool;
    // Pages of 5: the tenant read takes several queries, each one bounded by the index.
    return new StoreEventSource(new EventStore(recording), 5);
  }

  async function explain(text: string, values: unknown[]): Promise<PlanNode> {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
      values,
    );
    return rows[0]!['QUERY PLAN'][0].Plan;
  }

  async function rowsTouched(): Promise<{ rows: number; seqScans: number; filtered: number }> {
    let rows = 0;
    let seqScans = 0;
    let filtered = 0;
    for (const q of seen) {
      for (const scan of scansOfEvents(await explain(q.text, q.values))) {
        rows += scan['Actual Rows'] * scan['Actual Loops'];
        if (scan['Node Type'] === 'Seq Scan') seqScans++;
        filtered += scan['Rows Removed by Filter'] ?? 0;
      }
    }
    return { rows, seqScans, filtered };
  }

  it('given a tenant beside one 100 times its size, a tenant replay reads its 16 events and no other row', async () => {
    seen.length = 0;
    const read: RecordedEvent[] = [];
    await recordingSource().read({ tenantId: small, patientId: null }, (b) => read.push(...b));
    expect(read).toHaveLength(16);
    expect(seen.length).toBeGreaterThan(0);
    expect(await rowsTouched()).toEqual({ rows: 16, seqScans: 0, filtered: 0 });
  });

  it('a patient replay reads the tenant stream and that patient stream only', async () => {
    seen.length = 0;
    const read: RecordedEvent[] = [];
    await recordingSource().read({ tenantId: small, patientId: 'p2' }, (b) => read.push(...b));
    expect(read.map((e) => e.streamId)).toEqual([small, ...Array<string>(5).fill(`${small}:p2`)]);
    expect(await rowsTouched()).toEqual({ rows: 6, seqScans: 0, filtered: 0 });
  });
});
