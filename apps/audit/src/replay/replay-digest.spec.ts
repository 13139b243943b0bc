import fc from 'fast-check';
import { replayDigest } from './replay-digest';
import type { Determination } from './replay-report';

function determination(patientId: string, units = 1): Determination {
  return {
    patientId,
    month: '2025-03',
    rulesVersion: 'CY2025',
    lines: [
      {
        code: '99490',
        units,
        practitionerId: 'DR-1',
        program: 'CCM',
        explanation: { rule: 'RULES.md 4', countedMinutes: 20, entryIds: ['e1'] },
      },
    ],
    providerOfRecord: { CCM: 'DR-1' },
    eligibility: { CCM: { eligible: true, reasons: [] } },
    excludedEntries: [],
    flags: [],
  };
}

describe('replayDigest', () => {
  const ds = ['P3', 'P1', 'P2'].map((p) => determination(p));

  it('given the same determinations in any order and with any key order, then the digest is the same', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(ds, { minLength: 3, maxLength: 3 }), (shuffled) => {
        const reKeyed = shuffled.map((d) => Object.fromEntries(Object.entries(d).reverse()) as Determination);
        expect(replayDigest({ determinations: reKeyed, rulesVersion: 'CY2025', asOf: null })).toBe(
          replayDigest({ determinations: ds, rulesVersion: 'CY2025', asOf: null }),
        );
      }),
    );
  });

  it('given a known input, then the digest is SHA-256 over the RFC 8785 JSON (pinned value)', () => {
    const digest = replayDigest({ determinations: [], rulesVersion: 'CY2025', asOf: null });
    // sha256('{"asOf":null,"determinations":[],"rulesVersion":"CY2025"}')
    expect(digest).toBe('c137adfd6b75dc6c3c75920112bc72f03372dca4aed48a7aff0a201f98709a88');
  });

  it('given a different unit, rule set or knowledge time, then the digest changes', () => {
    const base = replayDigest({ determinations: ds, rulesVersion: 'CY2025', asOf: null });
    const changed = [determination('P1', 2), determination('P2'), determination('P3')];
    expect(replayDigest({ determinations: changed, rulesVersion: 'CY2025', asOf: null })).not.toBe(base);
    expect(replayDigest({ determinations: ds, rulesVersion: 'CY2026', asOf: null })).not.toBe(base);
    expect(
      replayDigest({ determinations: ds, rulesVersion: 'CY2025', asOf: '2025-04-01T00:00:00.000Z' }),
    ).not.toBe(base);
  });
});
