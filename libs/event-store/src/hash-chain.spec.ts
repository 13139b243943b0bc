import type { RecordedEvent } from '@careledger/domain/events/event-types';
import { GENESIS_HASH, computeEventHash, verifyChain } from './hash-chain';

function chain(streamId: string, count: number): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  let prev = GENESIS_HASH;
  for (let v = 1; v <= count; v++) {
    const base = {
      type: 'CareTimeLogged' as const,
      schemaVersion: 1 as const,
      tenantId: 't1',
      patientId: 'P01',
      occurredAt: '2025-03-04T14:00:00-05:00',
      recordedAt: '2025-03-04T19:20:00Z',
      actor: { userId: 'u1', role: 'care_manager', departmentId: 'primary-care' },
      data: {
        entryId: `e${v}`,
        program: 'CCM' as const,
        performerId: 'rn1',
        performerRole: 'clinical_staff' as const,
        billingPractitionerId: 'md1',
        startedAt: '2025-03-04T14:00:00-05:00',
        minutes: 10 + v,
        activity: 'synthetic call',
      },
      eventId: `00000000-0000-4000-8000-00000000000${v}`,
      streamId,
      streamVersion: v,
      globalPosition: 100 + v,
      correlationId: 'c1',
      causationId: null,
      prevHash: prev,
    };
    const hash = computeEventHash(base, prev);
    out.push({ ...base, hash });
    prev = hash;
  }
  return out;
}

describe('hash chain', () => {
  it('given an untouched stream, when verified, then it is ok', () => {
    expect(verifyChain(chain('t1:P01', 5))).toEqual({ ok: true, eventsChecked: 5, streams: 1 });
  });

  it('is independent of key order and of globalPosition', () => {
    const [e] = chain('t1:P01', 1);
    const reversed = (o: object): object => Object.fromEntries(Object.entries(o).reverse());
    const reordered = reversed({ ...e!, globalPosition: 999, data: reversed(e!.data) }) as RecordedEvent;
    expect(computeEventHash(reordered, GENESIS_HASH)).toBe(e!.hash);
  });

  it('is a SHA-256 hex digest that changes with prevHash', () => {
    const [e] = chain('t1:P01', 1);
    expect(e!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(computeEventHash(e!, 'f'.repeat(64))).not.toBe(e!.hash);
  });

  it('given a changed minute count in event 3, then verification fails at event 3', () => {
    const events = chain('t1:P01', 5);
    const e3 = events[2]!;
    events[2] = { ...e3, data: { ...(e3.data as object), minutes: 99 } } as RecordedEvent;
    expect(verifyChain(events)).toEqual({
      ok: false,
      eventId: e3.eventId,
      streamId: 't1:P01',
      streamVersion: 3,
      reason: 'HASH_MISMATCH',
    });
  });

  it('given a changed recordedAt string (same instant, other spelling), then verification fails there', () => {
    const events = chain('t1:P01', 3);
    events[1] = { ...events[1]!, recordedAt: '2025-03-04T14:20:00-05:00' };
    expect(verifyChain(events)).toMatchObject({ ok: false, streamVersion: 2, reason: 'HASH_MISMATCH' });
  });

  it('given a rehashed tampered event, then verification fails at the next event', () => {
    const events = chain('t1:P01', 4);
    const tampered = { ...events[1]!, occurredAt: '2025-03-05T14:00:00-05:00' };
    tampered.hash = computeEventHash(tampered, tampered.prevHash);
    events[1] = tampered;
    expect(verifyChain(events)).toMatchObject({ ok: false, streamVersion: 3, reason: 'PREV_HASH_MISMATCH' });
  });

  it('given a removed event, then verification reports the gap', () => {
    const events = chain('t1:P01', 4);
    events.splice(1, 1);
    expect(verifyChain(events)).toMatchObject({ ok: false, streamVersion: 3, reason: 'VERSION_GAP' });
  });

  it('verifies interleaved streams in any order', () => {
    const a = chain('t1:P01', 3);
    const b = chain('t1:P02', 3);
    const mixed = [b[2]!, a[0]!, b[0]!, a[2]!, b[1]!, a[1]!];
    expect(verifyChain(mixed)).toEqual({ ok: true, eventsChecked: 6, streams: 2 });
  });
});
