import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { PatientCommand } from '@careledger/domain';
import { ConcurrencyError, EventStore, verifyChain } from '@careledger/event-store';
import { testConfig } from '@careledger/testing/infra';
import type { CommandRequest } from './command-context';
import { CommandRunner } from './command-runner.service';

/**
 * The write path of ADR 0405 on a real PostgreSQL: same-stream commands are queued in-process (no
 * conflict, no retry), a warm command is one statement, and a state made stale by another process is
 * caught by the append's version check and decided again on the re-folded stream.
 */
describe('CommandRunner (real PostgreSQL)', () => {
  const NOW = '2025-03-04T19:20:00Z';
  const policy = { roles: ['care_manager'] as const } as unknown as { roles: ['care_manager'] };
  let pool: Pool;
  let tenant: string;

  beforeAll(() => {
    pool = new Pool({ ...testConfig().db, max: 8 });
  });
  afterAll(async () => {
    await pool.end();
  });
  beforeEach(() => {
    tenant = `t-${randomUUID().slice(0, 12)}`;
  });

  /** A runner over its own store (one care-api process), counting statements and lost races. */
  function careApi(): {
    runner: CommandRunner;
    store: EventStore;
    queries: () => number;
    conflicts: () => number;
  } {
    let queries = 0;
    let conflicts = 0;
    const counting = Object.create(pool) as Pool;
    counting.query = ((...args: Parameters<Pool['query']>) => {
      queries++;
      return (pool.query as (...a: unknown[]) => unknown)(...args);
    }) as Pool['query'];
    const store = new EventStore(counting, {
      observer: { appended: () => undefined, failed: (i) => void (i.conflict && conflicts++) },
    });
    return {
      runner: new CommandRunner(store, () => NOW),
      store,
      queries: () => queries,
      conflicts: () => conflicts,
    };
  }

  const req = (key?: string): CommandRequest => ({
    tenantId: tenant,
    principal: { sub: 'u-rn-7', tenantId: tenant, roles: ['care_manager'], departments: ['primary-care'] },
    correlationId: `corr-${randomUUID()}`,
    idempotencyKey: key ?? null,
    requestHash: 'h'.repeat(64),
  });
  const register: PatientCommand = { type: 'RegisterPatient', patientId: 'P01', organizationId: 'org-1' };
  const logTime = (entryId: string): PatientCommand => ({
    type: 'LogCareTime',
    patientId: 'P01',
    entryId,
    program: 'CCM',
    performerId: 'rn-7',
    performerRole: 'clinical_staff',
    billingPractitionerId: 'md-1',
    startedAt: '2025-03-04T14:00:00-05:00',
    minutes: 20,
    activity: 'synthetic phone follow-up',
  });
  const run = (p: ReturnType<typeof careApi>, command: PatientCommand, key?: string) =>
    p.runner.runPatient(req(key), policy, command, undefined);

  it('given a patient, when 40 commands on it arrive at once, then all succeed in arrival order without a lost race', async () => {
    const p = careApi();
    await run(p, register);
    const n = 40;
    const outcomes = await Promise.all(Array.from({ length: n }, (_, i) => run(p, logTime(`e-${i}`))));

    expect(outcomes.map((o) => o.statusCode)).toEqual(Array(n).fill(201));
    expect(p.conflicts()).toBe(0);
    const stream = await p.store.readStream(`${tenant}:P01`);
    // FIFO: the i-th command submitted is version i + 2, and positions increase with versions.
    expect(stream.slice(1).map((e) => (e.data as { entryId: string }).entryId)).toEqual(
      Array.from({ length: n }, (_, i) => `e-${i}`),
    );
    expect(outcomes.map((o) => ('streams' in o.body ? o.body.streams[0]!.streamVersion : 0))).toEqual(
      Array.from({ length: n }, (_, i) => i + 2),
    );
    expect(verifyChain(stream).ok).toBe(true);
  });

  it('given a stream this process just wrote, when the next command comes, then it costs one statement', async () => {
    const p = careApi();
    await run(p, register);
    await run(p, logTime('e-1'));
    const before = p.queries();
    await run(p, logTime('e-2'));
    expect(p.queries() - before).toBe(1);
    const keyed = p.queries();
    await run(p, logTime('e-3'), `key-${randomUUID()}`);
    // findIdempotency + the append (which stores the key in the same statement).
    expect(p.queries() - keyed).toBe(2);
  });

  it('given a state cached before another process appended, when a command depends on it, then it is re-folded and decided right', async () => {
    const a = careApi();
    const b = careApi();
    await run(a, register);
    await run(a, logTime('e-1')); // a's cache: version 2
    await run(b, logTime('e-2')); // another process appends version 3

    // Decided on a's stale state, e-2 looks new; the append fails on the version, a re-folds the
    // stream and the decider refuses the duplicate entry, as it would have on the real history.
    await expect(run(a, logTime('e-2'))).rejects.toMatchObject({ code: 'CARE_TIME.DUPLICATE' });
    expect(a.conflicts()).toBe(1);
    const outcome = await run(a, logTime('e-3'));
    expect('streams' in outcome.body && outcome.body.streams[0]!.streamVersion).toBe(4);
    const stream = await a.store.readStream(`${tenant}:P01`);
    expect(stream.map((e) => (e.data as { entryId?: string }).entryId ?? e.type)).toEqual([
      'PatientRegistered',
      'e-1',
      'e-2',
      'e-3',
    ]);
    expect(verifyChain(stream).ok).toBe(true);
  });

  it('given two processes racing on one stream, when they keep losing, then the conflict is a bounded 409, never a wrong append', async () => {
    const a = careApi();
    const b = careApi();
    await run(a, register);
    // Both decide on version 1 and race without any in-process queue between them.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => run(i % 2 ? a : b, logTime(`e-${i}`))),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    for (const r of refused) expect(r.reason).toBeInstanceOf(ConcurrencyError);
    const stream = await a.store.readStream(`${tenant}:P01`);
    expect(stream).toHaveLength(1 + outcomes.length - refused.length);
    expect(verifyChain(stream).ok).toBe(true);
  });
});
