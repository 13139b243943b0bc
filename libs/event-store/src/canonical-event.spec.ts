import canonicalize from 'canonicalize';
import { streamIdOf, type ContractEvent, type RecordedEvent } from '@careledger/domain';
import { generateHealthSystem } from '@careledger/testing';
import { GENESIS_HASH, canonicalEventJson, computeEventHash, hashedContent, verifyChain } from './hash-chain';

/** The generated events recorded as the store records them: ids, versions, correlation, chain. */
function record(events: readonly ContractEvent[]): RecordedEvent[] {
  const versions = new Map<string, { v: number; hash: string }>();
  return events.map((e, i) => {
    const streamId = streamIdOf(e);
    const head = versions.get(streamId) ?? { v: 0, hash: GENESIS_HASH };
    const base = {
      ...e,
      eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      streamId,
      streamVersion: head.v + 1,
      globalPosition: i + 1,
      correlationId: `corr-${i % 17}`,
      causationId: i % 3 === 0 ? null : `00000000-0000-4000-8000-${String(i - 1).padStart(12, '0')}`,
      prevHash: head.hash,
    };
    const hash = computeEventHash(base, head.hash);
    versions.set(streamId, { v: head.v + 1, hash });
    return { ...base, hash };
  });
}

describe('the specialised canonical form of the event envelope', () => {
  const generated = generateHealthSystem({
    seed: 11,
    tenantId: 'canon-health',
    patients: 250,
    months: ['2025-05', '2025-06'],
  });
  const recorded = record(generated);

  it('is byte-identical to RFC 8785 (canonicalize) on every event of a generated tenant', () => {
    expect(recorded.length).toBeGreaterThan(1_000);
    expect(recorded.some((e) => e.patientId === undefined)).toBe(true);
    let differing = 0;
    for (const e of recorded) {
      if (canonicalEventJson(e, e.prevHash) !== canonicalize(hashedContent(e, e.prevHash))) differing++;
    }
    expect(differing).toBe(0);
    expect(verifyChain(recorded)).toEqual(
      expect.objectContaining({ ok: true, eventsChecked: recorded.length }),
    );
  });

  it('given awkward values (unicode, escapes, number forms, undefined, nesting), is still byte-identical', () => {
    const [first] = recorded;
    const awkward = {
      ...first!,
      tenantId: 'tén\u2028ant "q" \\ \u0001',
      causationId: undefined,
      actor: { z: 1, a: [3, undefined, { y: -0, b: 1e21 }], é: 'x', '\u00ff': 0.1 + 0.2 },
      data: { minutes: 20, note: '😀\n\t', nested: { list: [], empty: {}, gone: undefined } },
    } as unknown as RecordedEvent;
    expect(canonicalEventJson(awkward, GENESIS_HASH)).toBe(
      canonicalize(hashedContent(awkward, GENESIS_HASH)),
    );
    expect(() => canonicalEventJson({ ...awkward, streamVersion: Number.NaN }, GENESIS_HASH)).toThrow(
      'not finite',
    );
  });
});
