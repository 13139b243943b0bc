import { MonthSpecification, RN, ccmPatient, lines, testReference } from '@careledger/testing/rules';

/** Given/when/then for the stream-level flags and the canonical order of a determination. */
const given = MonthSpecification.for(testReference());

describe('flags: stream-level and ordering', () => {
  it('given a correction of an entry never logged, when the month is determined, then UNKNOWN_ENTRY names it', () => {
    given(ccmPatient().void('E-GHOST', '2025-03-05T12:00:00Z'))
      .when('2025-03')
      .then((d) => {
        expect(d.flags.filter((f) => f.code === 'UNKNOWN_ENTRY')).toEqual([
          { code: 'UNKNOWN_ENTRY', detail: 'corrections name entries never logged in this stream: E-GHOST' },
        ]);
      });
  });

  it('given the same events in reverse order, then lines, exclusions and flags come out in the same order', () => {
    const b = ccmPatient()
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-20T10:00:00-04:00', 30)
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 45)
      .time('E3', 'CCM', { id: 'ADM-1', role: 'admin_staff' }, 'DR-1', '2025-03-05T10:00:00-05:00', 10)
      .void('E-GHOST', '2025-03-05T12:00:00Z');
    let forward: unknown;
    given(b)
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99439x2@DR-1', '99490x1@DR-1']);
        forward = d;
      });
    // The value form of `then`: deep, strict equality with the forward determination.
    given([...b.events].reverse())
      .when('2025-03')
      .then(forward as never);
  });
});
