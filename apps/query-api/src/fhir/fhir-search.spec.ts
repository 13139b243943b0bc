import { FhirSearchParamError, parseDateParam, patientParam, rangeMatches } from './fhir-search';

const at = (s: string): number => Date.parse(s);

describe('FHIR date search parameters', () => {
  it('gives a month its whole range and matches overlapping periods only', () => {
    const march = parseDateParam('date', '2025-03');
    expect([march.lo, march.hi]).toEqual([at('2025-03-01T00:00:00Z'), at('2025-04-01T00:00:00Z')]);
    expect(rangeMatches(march, at('2025-02-20T00:00:00Z'), at('2025-03-02T00:00:00Z'))).toBe(true);
    expect(rangeMatches(march, at('2025-04-01T00:00:00Z'), at('2025-04-03T00:00:00Z'))).toBe(false);
    expect(rangeMatches(march, at('2025-01-01T00:00:00Z'), at('2025-03-01T00:00:00Z'))).toBe(false);
  });

  it('applies ge, gt, le and lt to instants (for _lastUpdated)', () => {
    const t = at('2025-03-10T12:00:00Z');
    expect(rangeMatches(parseDateParam('_lastUpdated', 'ge2025-03-10T12:00:00Z'), t, t + 1)).toBe(true);
    expect(rangeMatches(parseDateParam('_lastUpdated', 'gt2025-03-10T12:00:00Z'), t, t + 1)).toBe(false);
    expect(rangeMatches(parseDateParam('_lastUpdated', 'le2025-03-10'), t, t + 1)).toBe(true);
    expect(rangeMatches(parseDateParam('_lastUpdated', 'lt2025-03-10'), t, t + 1)).toBe(false);
  });

  it('names the parameter of a bad value', () => {
    for (const bad of ['2025-13', 'x2025', '2025-03-10T25', 'ap2025']) {
      let err: unknown;
      try {
        parseDateParam('date', bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FhirSearchParamError);
      expect((err as FhirSearchParamError).parameter).toBe('date');
    }
    expect(patientParam('patient', 'Patient/P0001')).toBe('P0001');
    expect(() => patientParam('subject', 'Group/1')).toThrow(FhirSearchParamError);
  });
});
