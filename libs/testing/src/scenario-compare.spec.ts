import { compareWithExpectation } from './scenario-compare';
import { ScenarioError, parseScenario } from './scenario-loader';

const line = (code: string, units: number, practitionerId: string, date?: string) =>
  date === undefined ? { code, units, practitionerId } : { code, units, practitionerId, date };

describe('compareWithExpectation (shared/conformance/README.md)', () => {
  it('compares lines as a multiset and dates only when the expected line gives one', () => {
    const actual = {
      lines: [
        line('90833', 1, 'DR', '2025-11-07'),
        line('90833', 1, 'DR', '2025-11-12'),
        line('99490', 1, 'DR'),
      ],
      providerOfRecord: { CCM: 'DR' },
      flags: [{ code: 'OVER_CAP' }, { code: 'EXCLUSIVE_CHOICE' }],
    };
    expect(
      compareWithExpectation(
        {
          lines: [line('90833', 1, 'DR', '2025-11-12'), line('90833', 1, 'DR'), line('99490', 1, 'DR')],
          providerOfRecord: {},
          flags: ['OVER_CAP'],
        },
        actual,
      ),
    ).toEqual({ ok: true, problems: [] });
    const bad = compareWithExpectation(
      {
        lines: [line('90833', 1, 'DR', '2025-11-13'), line('99490', 1, 'DR'), line('99490', 1, 'DR')],
        providerOfRecord: { CCM: 'DR-2', PCM: 'DR' },
        flags: ['NO_CONSENT'],
      },
      actual,
    );
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([
      'missing lines 90833x1@DR#2025-11-13, 99490x1@DR',
      'unexpected lines 90833x1@DR#2025-11-07, 90833x1@DR#2025-11-12',
      'providerOfRecord.CCM is DR, expected DR-2',
      'providerOfRecord.PCM is absent, expected DR',
      'missing flags NO_CONSENT',
    ]);
  });
});

describe('parseScenario', () => {
  it('names the file and the field of a bad scenario', () => {
    expect(() =>
      parseScenario('{"events": [], "evaluate": {"patientId": "P", "month": "2025-13"}}', 'x.json'),
    ).toThrow(new ScenarioError('x.json', 'evaluate.month', 'must be YYYY-MM'));
    expect(() => parseScenario('[]', 'y.json')).toThrow(/y\.json: \(file\)/);
  });

  it('defaults the id to the file name and asOf to null', () => {
    const s = parseScenario(
      '{"events": [], "evaluate": {"patientId": "P", "month": "2025-03"}}',
      '/d/my-case.json',
    );
    expect(s).toMatchObject({
      id: 'my-case',
      evaluate: { patientId: 'P', month: '2025-03', asOf: null },
      expected: null,
    });
  });
});
