import type { ClosedLineData, ContractEvent, MonthClosed } from '../events/event-types';
import { validateContractEvent } from '../events/validate-contract-event';
import { npiCheckDigitValid } from '../events/npi';
import { DomainError } from '../errors/domain.error';
import { buildDftP03, type ChargeMessageInput } from './dft-p03';
import { hl7Escape } from './hl7-text';
import {
  activeDiagnoses,
  closedPatientMonths,
  decideClose,
  decideReopen,
  monthCloseStates,
  serviceDateOf,
} from './month-close';
import {
  practitionerOrganizations,
  restatementsSinceClose,
  restateMonth,
  restatePatientMonth,
} from './restatement';

const actor = { userId: 'u-bill-1', role: 'billing', departmentId: 'billing' };
const line = (over: Partial<ClosedLineData> = {}): ClosedLineData => ({
  code: '99490',
  units: 1,
  program: 'CCM',
  billingPractitionerId: 'DR-1',
  serviceDate: '2026-10-31',
  rule: 'CCM staff: 20 -> 99490',
  countedMinutes: 25,
  entryIds: ['E1', 'E2'],
  ...over,
});
const closed = (closeId: string, month = '2026-10'): MonthClosed => ({
  type: 'MonthClosed',
  schemaVersion: 1,
  tenantId: 't1',
  occurredAt: '2026-11-02T10:00:00Z',
  recordedAt: '2026-11-02T10:00:00Z',
  actor,
  data: {
    closeId,
    organizationId: 'ORG-1',
    month,
    asOf: '2026-11-02T10:00:00.000Z',
    rulesVersion: 'CY2026',
    replayDigest: 'a'.repeat(64),
    patients: [{ patientId: 'P1', diagnoses: ['E119'], lines: [line()] }],
  },
});
const catchDomain = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a domain error');
};

describe('NPI and the contract additions', () => {
  it('accepts the CMS example NPI and refuses a wrong check digit', () => {
    expect(npiCheckDigitValid('1234567893')).toBe(true);
    expect(npiCheckDigitValid('1234567890')).toBe(false);
  });

  it('validates MonthClosed, and names the field of a bad line', () => {
    expect(validateContractEvent(closed('ORG-1.2026-10.c1')).type).toBe('MonthClosed');
    const bad = closed('ORG-1.2026-10.c1');
    bad.data.patients[0]!.lines[0]!.units = 0;
    expect(() => validateContractEvent(bad)).toThrow(/data\.patients\[0\]\.lines\[0\]\.units/);
  });

  it('refuses a practitioner NPI with a wrong check digit, naming data.npi', () => {
    const e = {
      type: 'PractitionerRegistered',
      schemaVersion: 1,
      tenantId: 't1',
      occurredAt: '2026-01-01T00:00:00Z',
      recordedAt: '2026-01-01T00:00:00Z',
      actor,
      data: {
        practitionerId: 'DR-1',
        organizationId: 'ORG-1',
        credential: 'MD',
        role: 'physician',
        canBillEM: true,
        npi: '1234567890',
      },
    };
    expect(() => validateContractEvent(e)).toThrow(/data\.npi/);
  });
});

describe('month close', () => {
  const orgs = new Map([['ORG-1', { timezone: 'America/New_York' }]]);
  const monthEndMs = Date.parse('2026-11-01T04:00:00Z') - 1;

  it('given no close, when closing a finished month, then the first close id is returned', () => {
    expect(
      decideClose(monthCloseStates([]), {
        organizationId: 'ORG-1',
        month: '2026-10',
        nowMs: monthEndMs + 1000,
        organizations: orgs,
        monthEndMs,
      }),
    ).toEqual({ closeId: 'ORG-1.2026-10.c1' });
  });

  it('given a close, when closing again, then BILLING.ALREADY_CLOSED; after a reopen the next close is c2', () => {
    const history: ContractEvent[] = [closed('ORG-1.2026-10.c1')];
    const req = {
      organizationId: 'ORG-1',
      month: '2026-10',
      nowMs: monthEndMs + 1000,
      organizations: orgs,
      monthEndMs,
    };
    expect(catchDomain(() => decideClose(monthCloseStates(history), req)).code).toBe(
      'BILLING.ALREADY_CLOSED',
    );
    const reopened = decideReopen(monthCloseStates(history), 'ORG-1', '2026-10', 'wrong consent date');
    history.push({
      ...closed('x'),
      type: 'MonthReopened',
      data: {
        closeId: reopened.data.closeId,
        organizationId: 'ORG-1',
        month: '2026-10',
        reason: 'wrong consent date',
      },
    });
    expect(decideClose(monthCloseStates(history), req)).toEqual({ closeId: 'ORG-1.2026-10.c2' });
  });

  it('refuses a month that is not over, an unknown organization, and a reopen of an open month', () => {
    const req = {
      organizationId: 'ORG-1',
      month: '2026-10',
      nowMs: monthEndMs,
      organizations: orgs,
      monthEndMs,
    };
    expect(catchDomain(() => decideClose(new Map(), req)).code).toBe('BILLING.MONTH_NOT_OVER');
    expect(
      catchDomain(() => decideClose(new Map(), { ...req, organizationId: 'ORG-9', nowMs: monthEndMs + 1 }))
        .field,
    ).toBe('organization');
    expect(catchDomain(() => decideReopen(new Map(), 'ORG-1', '2026-10', 'x')).code).toBe(
      'BILLING.NOT_CLOSED',
    );
    expect(catchDomain(() => decideReopen(new Map(), 'ORG-1', '2026-10', ' ')).code).toBe(
      'BILLING.REASON_REQUIRED',
    );
  });

  it("freezes only the organization's lines, dated per the date-of-service policy", () => {
    const determinations = [
      {
        patientId: 'P2',
        month: '2026-02',
        lines: [
          {
            code: '99490',
            units: 1,
            practitionerId: 'DR-1',
            program: 'CCM',
            explanation: { rule: 'r', countedMinutes: 22, entryIds: ['E9', 'E3'] },
          },
          {
            code: '90833',
            units: 1,
            practitionerId: 'DR-1',
            program: 'ADDON',
            date: '2026-02-10',
            explanation: { rule: 'a', countedMinutes: 30, entryIds: ['ENC1'] },
          },
          {
            code: '99490',
            units: 1,
            practitionerId: 'DR-OTHER',
            program: 'CCM',
            explanation: { rule: 'r', countedMinutes: 20, entryIds: ['E5'] },
          },
        ],
      },
      { patientId: 'P1', month: '2026-02', lines: [] },
    ];
    const out = closedPatientMonths(
      determinations,
      'ORG-1',
      new Map([
        ['DR-1', 'ORG-1'],
        ['DR-OTHER', 'ORG-2'],
      ]),
      () => ['I10'],
    );
    expect(out).toHaveLength(1);
    expect(out[0]!.lines.map((l) => [l.code, l.serviceDate, l.entryIds])).toEqual([
      ['90833', '2026-02-10', ['ENC1']],
      ['99490', '2026-02-28', ['E3', 'E9']],
    ]);
    expect(serviceDateOf({}, '2028-02')).toBe('2028-02-29');
  });

  it('counts conditions active in the month as known at the close', () => {
    const ev = (type: string, recordedAt: string, data: object) =>
      ({ type, recordedAt, data }) as unknown as ContractEvent;
    const events = [
      ev('ConditionDiagnosed', '2026-01-01T00:00:00Z', {
        conditionId: 'C1',
        icd10: 'E119',
        diagnosedOn: '2025-05-01',
      }),
      ev('ConditionDiagnosed', '2026-01-01T00:00:00Z', {
        conditionId: 'C2',
        icd10: 'I10',
        diagnosedOn: '2026-10-15',
      }),
      ev('ConditionDiagnosed', '2026-01-01T00:00:00Z', {
        conditionId: 'C3',
        icd10: 'J449',
        diagnosedOn: '2026-11-02',
      }),
      ev('ConditionResolved', '2026-12-01T00:00:00Z', { conditionId: 'C1', resolvedOn: '2026-09-30' }),
    ];
    expect(activeDiagnoses(events, '2026-10', Date.parse('2026-11-05T00:00:00Z'))).toEqual(['E119', 'I10']);
    expect(activeDiagnoses(events, '2026-10', null)).toEqual(['I10']);
  });
});

describe('restatements', () => {
  it('given a sent 99490, when a late entry adds 99439, then only 99439 is added and the entry is named', () => {
    const base = {
      patientId: 'P1',
      diagnoses: ['E119'],
      lines: [line({ countedMinutes: 40, entryIds: ['E1'] })],
    };
    const now = {
      patientId: 'P1',
      diagnoses: ['E119'],
      lines: [
        line({ countedMinutes: 40, entryIds: ['E1'] }),
        line({ code: '99439', rule: 'CCM +20', countedMinutes: 45, entryIds: ['E1', 'E7'] }),
      ],
    };
    const diff = restatePatientMonth(base, now)!;
    expect(diff.reverse).toEqual([]);
    expect(diff.add.map((l) => l.code)).toEqual(['99439']);
    expect(diff.explanation[0]).toMatchObject({
      code: '99439',
      minutesBefore: 0,
      minutesAfter: 45,
      unitsBefore: 0,
      unitsAfter: 1,
      ruleBefore: null,
    });
  });

  it('given a sent line, when a void drops it below the threshold, then the line is reversed', () => {
    const base = { patientId: 'P1', diagnoses: [], lines: [line()] };
    const diff = restateMonth([base], [])[0]!;
    expect(diff.reverse).toEqual([line()]);
    expect(diff.add).toEqual([]);
    expect(diff.explanation[0]).toMatchObject({
      minutesBefore: 25,
      minutesAfter: 0,
      entriesRemoved: ['E1', 'E2'],
    });
  });

  it('nothing changed: no restatement', () => {
    expect(
      restateMonth(
        [{ patientId: 'P1', diagnoses: [], lines: [line()] }],
        [{ patientId: 'P1', diagnoses: [], lines: [line()] }],
      ),
    ).toEqual([]);
  });
});

describe('DFT^P03', () => {
  const input = (over: Partial<ChargeMessageInput> = {}): ChargeMessageInput => ({
    controlId: 'CL0123456789ABCDEF01',
    createdAt: '2026-11-02T10:00:00.000Z',
    receiver: { application: 'EHR', facility: 'MAIN' },
    parties: {
      organization: { organizationId: 'ORG-1', npi: '1234567893', tin: '123456789' },
      billingPractitioner: { practitionerId: 'DR-1', npi: '1245319599' },
      patient: { patientId: 'P1', ehrPatientId: 'MRN-77' },
    },
    month: '2026-10',
    diagnoses: ['E119', 'I10'],
    entries: [{ kind: 'charge', line: line(), transactionId: 'CL0123456789ABCDEF01.1' }],
    fees: null,
    ...over,
  });

  it('escapes the encoding characters, the escape character first', () => {
    expect(hl7Escape('a|b^c&d~e\\f\rg')).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D\\g');
  });

  it('builds MSH, EVN, PID with both identifiers, PV1, ZBE, one FT1 per line and one DG1 per condition', () => {
    const m = buildDftP03(input());
    const segs = m.text.split('\r').filter(Boolean);
    expect(segs.map((s) => s.slice(0, 3))).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'ZBE', 'FT1', 'DG1', 'DG1']);
    expect(segs[0]).toBe(
      'MSH|^~\\&|CARELEDGER|ORG-1^1234567893^NPI|EHR|MAIN|20261102100000+0000||DFT^P03^DFT_P03|CL0123456789ABCDEF01|P|2.5.1|||AL|NE||UNICODE UTF-8',
    );
    expect(segs[2]).toBe('PID|1||P1^^^CARELEDGER^PI~MRN-77^^^EHR^MR');
    const ft1 = segs[5]!.split('|');
    expect([ft1[4], ft1[6], ft1[7], ft1[10], ft1[19], ft1[25]]).toEqual([
      '20261031',
      'CG',
      '99490^^C4',
      '1',
      'E11.9^^I10~I10^^I10',
      '99490^^C4',
    ]);
    expect(ft1[20]).toBe('1245319599^^^^^^^^CMS^^^^NPI');
    expect(m.unitsByCode).toEqual({ '99490': 1 });
  });

  it('a reversal is a CD with negative units, linked to the original control id', () => {
    const m = buildDftP03(
      input({
        controlId: 'CLR',
        originalControlId: 'CL0123456789ABCDEF01',
        entries: [{ kind: 'reversal', line: line(), transactionId: 'CL0123456789ABCDEF01.1' }],
      }),
    );
    const ft1 = m.text
      .split('\r')
      .find((s) => s.startsWith('FT1'))!
      .split('|');
    expect([ft1[2], ft1[6], ft1[10], ft1[23]]).toEqual([
      'CL0123456789ABCDEF01.1',
      'CD',
      '-1',
      'CL0123456789ABCDEF01',
    ]);
    expect(m.unitsByCode).toEqual({ '99490': -1 });
  });

  it('refuses without NPI or TIN and says which are missing', () => {
    const err = catchDomain(() =>
      buildDftP03(
        input({
          parties: {
            organization: { organizationId: 'ORG-1', npi: '1234567893', tin: null },
            billingPractitioner: { practitionerId: 'DR-1', npi: null },
            patient: { patientId: 'P1', ehrPatientId: null },
          },
        }),
      ),
    );
    expect(err.code).toBe('CHARGES.MISSING_REFERENCE');
    expect(err.message).toBe(
      'the charge feed needs organization ORG-1 tin, practitioner DR-1 npi in the reference data',
    );
  });
});

describe('restatements ignore what does not change a charge', () => {
  it('given a sent 99490, when more minutes count under it without a new unit, then no restatement', () => {
    const base = { patientId: 'P1', diagnoses: [], lines: [line({ countedMinutes: 25 })] };
    const now = {
      patientId: 'P1',
      diagnoses: [],
      lines: [line({ countedMinutes: 38, entryIds: ['E1', 'E2', 'E3'] })],
    };
    expect(restatePatientMonth(base, now)).toBeNull();
  });
});

describe('restatements since a close (the live view and the audit replay call this one function)', () => {
  const determined = (patientId: string, units: number, entryIds: string[], practitionerId = 'DR-1') => ({
    patientId,
    month: '2026-10',
    lines: [
      {
        code: '99439',
        units,
        practitionerId,
        program: 'CCM',
        explanation: { rule: 'CCM staff add-on', countedMinutes: 20 + 20 * units, entryIds },
      },
    ],
  });
  const close = {
    organizationId: 'ORG-1',
    month: '2026-10',
    patients: [
      {
        patientId: 'P1',
        diagnoses: ['E119'],
        lines: [
          line({ code: '99439', units: 1, rule: 'CCM staff add-on', countedMinutes: 40, entryIds: ['E1'] }),
        ],
      },
    ],
  };
  const orgs = new Map([
    ['DR-1', 'ORG-1'],
    ['DR-9', 'ORG-9'],
  ]);

  it('given a late entry after close, when the month is determined again, then the closed line is reversed and the corrected one added', () => {
    const [diff, ...rest] = restatementsSinceClose(close, [determined('P1', 2, ['E1', 'LATE'])], orgs);
    expect(rest).toEqual([]);
    expect(diff).toMatchObject({
      patientId: 'P1',
      reverse: [{ code: '99439', units: 1 }],
      add: [{ code: '99439', units: 2 }],
      explanation: [
        { entriesAdded: ['LATE'], minutesBefore: 40, minutesAfter: 60, unitsBefore: 1, unitsAfter: 2 },
      ],
      after: { diagnoses: ['E119'] },
    });
  });

  it('nothing changed, another organization, another month: no restatement; a new patient-month: all lines added', () => {
    expect(restatementsSinceClose(close, [determined('P1', 1, ['E1'])], orgs)).toEqual([]);
    expect(
      restatementsSinceClose(close, [determined('P1', 1, ['E1']), determined('P2', 1, ['X'], 'DR-9')], orgs),
    ).toEqual([]);
    expect(
      restatementsSinceClose(
        close,
        [{ ...determined('P1', 1, ['E1']) }, { ...determined('P3', 1, ['Y']), month: '2026-11' }],
        orgs,
      ),
    ).toEqual([]);
    const [late] = restatementsSinceClose(
      close,
      [determined('P1', 1, ['E1']), determined('P2', 1, ['Z'])],
      orgs,
    );
    expect(late).toMatchObject({
      patientId: 'P2',
      reverse: [],
      add: [{ code: '99439', units: 1 }],
      after: { diagnoses: [] },
    });
  });

  it('the practitioner-organization map follows the latest registration', () => {
    const reg = (organizationId: string): ContractEvent =>
      ({
        type: 'PractitionerRegistered',
        schemaVersion: 1,
        tenantId: 't1',
        occurredAt: '2026-01-01T00:00:00Z',
        recordedAt: '2026-01-01T00:00:00Z',
        actor,
        data: {
          practitionerId: 'DR-1',
          organizationId,
          name: 'x',
          role: 'physician',
          credential: 'MD',
          canBillEM: true,
        },
      }) as unknown as ContractEvent;
    expect(practitionerOrganizations([reg('ORG-1'), reg('ORG-2')])).toEqual(new Map([['DR-1', 'ORG-2']]));
  });
});
