import type { ClosedLineData } from '../events/event-types';
import { buildDftP03 } from './dft-p03';
import { feeOf, feeTotals, formatCents, parseFeeTable } from './fee-schedule';

/** A README in the data folder's shape (shared/data/README.md): conversion factors, then the table. */
const README = [
  '## CMS Physician Fee Schedule national non-facility amounts (described, not copied)',
  '- **CY2025:** `x`, `PPRRVU2025_Oct.csv` (RVU25D). Conversion factor 32.3465.',
  '- **CY2026:** `y`, `PPRRVU2026_Jul_nonQPP.csv`. Conversion factor 33.4009, the non-qualifying-APM rate.',
  '',
  '| Code | CY2025 NF total RVU | CY2025 national NF $ | CY2026 NF total RVU | CY2026 national NF $ |',
  '| --- | --- | --- | --- | --- |',
  '| 99490 | 1.87 | 60.49 | 1.98 | 66.13 |',
  '| 99439 | 1.42 | 45.93 | 1.51 | 50.44 |',
  '| 90863 | 0.75 | n/a (status I) | 0.78 | n/a (status I) |',
  '',
  '- Every code above has status `A`.',
].join('\n');

const schedule = parseFeeTable(README, 'test README')!;

describe('fee schedule from the data README', () => {
  it('reads each year column, its conversion factor, amounts in cents and status-I codes', () => {
    expect([...schedule.years.keys()]).toEqual([2025, 2026]);
    const y25 = schedule.years.get(2025)!;
    expect(y25.basis).toEqual({ locality: 'national', setting: 'non-facility', conversionFactor: '32.3465' });
    expect(y25.amounts.get('99490')).toEqual({ cents: 6049 });
    expect(schedule.years.get(2026)!.amounts.get('99439')).toEqual({ cents: 5044 });
    expect(y25.amounts.get('90863')).toEqual({ cents: null, status: 'I' });
  });

  it('prices units by the calendar year of the date of service', () => {
    expect(feeOf(schedule, '99439', 2, '2025-04-30')).toMatchObject({
      year: 2025,
      unitCents: 4593,
      amountCents: 9186,
      reason: null,
    });
    expect(feeOf(schedule, '99490', 1, '2026-01-31')).toMatchObject({ year: 2026, unitCents: 6613 });
    expect(feeOf(schedule, '99490', -1, '2026-01-31').amountCents).toBe(-6613);
  });

  it('a line without a fee says why: not payable, code absent, year absent, no data', () => {
    expect(feeOf(schedule, '90863', 1, '2025-04-10')).toMatchObject({
      unitCents: null,
      amountCents: null,
      reason: {
        code: 'FEE.NOT_PAYABLE',
        message: '90863 has status I in the CY2025 fee data: not valid for Medicare payment',
      },
    });
    expect(feeOf(schedule, 'G0506', 1, '2025-04-10').reason).toEqual({
      code: 'FEE.CODE_NOT_IN_SCHEDULE',
      message: 'G0506 has no CY2025 amount in the fee data',
    });
    expect(feeOf(schedule, '99490', 1, '2027-01-31').reason).toEqual({
      code: 'FEE.YEAR_NOT_IN_SCHEDULE',
      message: 'the fee data has CY2025, CY2026, not CY2027',
    });
    expect(feeOf(null, '99490', 1, '2025-04-30').reason?.code).toBe('FEE.NO_SCHEDULE');
  });

  it('no table: null; a malformed cell: an error naming the row and column', () => {
    expect(parseFeeTable('# nothing here', 'x')).toBeNull();
    expect(() => parseFeeTable(README.replace('| 45.93 |', '| 45,93 |'), 'x')).toThrow(
      'fee table line 8, CY2025 national NF $: "45,93" is not an amount',
    );
  });

  it('totals priced lines and lists unpriced codes by reason; cents format with sign', () => {
    const fees = [
      feeOf(schedule, '99490', 1, '2025-04-30'),
      feeOf(schedule, '99439', 2, '2025-04-30'),
      feeOf(schedule, '90863', 1, '2025-04-30'),
    ];
    expect(feeTotals(fees)).toEqual({
      pricedCents: 6049 + 9186,
      unpriced: [{ code: '90863', reason: 'FEE.NOT_PAYABLE' }],
    });
    expect([formatCents(15235), formatCents(-5), formatCents(0)]).toEqual(['152.35', '-0.05', '0.00']);
  });
});

describe('DFT^P03 amounts', () => {
  const line = (code: string, units: number): ClosedLineData => ({
    code,
    units,
    program: 'CCM',
    billingPractitionerId: 'DR-1',
    serviceDate: '2025-04-30',
    rule: 'r',
    countedMinutes: 40,
    entryIds: ['E1'],
  });
  const build = (fees: typeof schedule | null) =>
    buildDftP03({
      controlId: 'CL0123456789ABCDEF01',
      createdAt: '2025-05-02T10:00:00.000Z',
      receiver: { application: 'EHR', facility: 'MAIN' },
      parties: {
        organization: { organizationId: 'ORG-1', npi: '1234567893', tin: '123456789' },
        billingPractitioner: { practitionerId: 'DR-1', npi: '1245319599' },
        patient: { patientId: 'P1', ehrPatientId: null },
      },
      month: '2025-04',
      diagnoses: ['E119'],
      entries: [
        { kind: 'reversal', line: line('99439', 1), transactionId: 'CLX.2' },
        { kind: 'charge', line: line('99439', 2), transactionId: 'CL0123456789ABCDEF01.1' },
        { kind: 'charge', line: line('90863', 1), transactionId: 'CL0123456789ABCDEF01.2' },
      ],
      fees,
    });
  const ft1 = (text: string) =>
    text
      .split('\r')
      .filter((s) => s.startsWith('FT1|'))
      .map((s) => s.split('|'));

  it('FT1-11 extended (negative on a reversal) and FT1-12 unit amount in USD; an unpriced line leaves both empty', () => {
    const m = build(schedule);
    expect(ft1(m.text).map((f) => [f[11], f[12]])).toEqual([
      ['-45.93&USD', '45.93&USD'],
      ['91.86&USD', '45.93&USD'],
      ['', ''],
    ]);
    expect(m.fees.map((f) => [f.amountCents, f.reason?.code ?? null])).toEqual([
      [-4593, null],
      [9186, null],
      [null, 'FEE.NOT_PAYABLE'],
    ]);
  });

  it('without fee data every FT1 is unpriced and says so', () => {
    const m = build(null);
    expect(ft1(m.text).every((f) => (f[11] ?? '') === '' && (f[12] ?? '') === '')).toBe(true);
    expect(m.fees.every((f) => f.reason?.code === 'FEE.NO_SCHEDULE')).toBe(true);
  });
});
