import { RN, ccmPatient, detail, flags, lines, testReference } from '@careledger/testing/rules';

/** Given/when/then on events for claims and late events (RULES.md), through determineMonth. */
const reference = testReference();

describe('RULES.md 6: claims and late events', () => {
  it('sees only events recorded at or before asOf (late entries, late amendments)', () => {
    const b = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-06T10:00:00-05:00', 12)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-20T14:00:00-04:00', 7)
      .time('E3', 'CCM', RN, 'DR-1', '2025-03-28T15:00:00-04:00', 6, { recordedAt: '2025-04-03T21:30:00Z' })
      .amend('E1', { minutes: 2 }, '2025-04-10T12:00:00Z');
    expect(lines(b.determine('2025-03', { reference, asOf: '2025-04-02T00:00:00Z' }))).toEqual([]);
    expect(lines(b.determine('2025-03', { reference, asOf: '2025-04-04T00:00:00Z' }))).toEqual([
      '99490x1@DR-1',
    ]);
    expect(lines(b.determine('2025-03', { reference }))).toEqual([]);
  });

  it('CLAIM_MISMATCH with the difference when a late entry changes a claimed month; the latest claim wins', () => {
    const b = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-06T10:00:00-05:00', 19)
      .claim('2025-03', 'CCM', 'DR-1', [{ code: '99490', units: 1 }], '2025-04-01T10:00:00Z')
      .claim('2025-03', 'CCM', 'DR-1', [], '2025-04-01T11:00:00Z')
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-28T15:00:00-04:00', 21, { recordedAt: '2025-04-03T21:30:00Z' });
    const before = b.determine('2025-03', { reference, asOf: '2025-04-02T00:00:00Z' });
    expect(flags(before)).toEqual([]);
    const after = b.determine('2025-03', { reference });
    expect(lines(after)).toEqual(['99439x1@DR-1', '99490x1@DR-1']);
    expect(detail(after, 'CLAIM_MISMATCH')).toContain(
      'difference (determined - claimed): 99439 +1, 99490 +1',
    );
  });

  it('claimed and determined lines are compared after summing units per code; add-ons are not part of claims', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-06T10:00:00-05:00', 60)
      .psychotherapy('V1', 'DR-1', '2025-03-07', 30)
      .claim(
        '2025-03',
        'CCM',
        'DR-1',
        [
          { code: '99490', units: 1 },
          { code: '99439', units: 1 },
          { code: '99439', units: 1 },
        ],
        '2025-04-01T10:00:00Z',
      )
      .determine('2025-03', { reference });
    expect(flags(d)).toEqual([]);
  });
});
