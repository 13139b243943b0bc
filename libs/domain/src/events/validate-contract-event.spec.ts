import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventValidationError } from './event-validation.error';
import { icd10Category, isWellFormedIcd10, normalizeIcd10 } from './icd10';
import {
  contractEventIssues,
  tryValidateContractEvent,
  validateContractEvent,
} from './validate-contract-event';

const actor = { userId: 'u-rn-7', role: 'clinical_staff', departmentId: 'primary-care' };
const envelope = {
  schemaVersion: 1,
  tenantId: 'acme-health',
  patientId: 'P01',
  occurredAt: '2025-03-04T14:00:00-05:00',
  recordedAt: '2025-03-04T14:20:00Z',
  actor,
};
const careTimeLogged = () => ({
  ...envelope,
  type: 'CareTimeLogged',
  data: {
    entryId: 'E-1',
    program: 'CCM',
    performerId: 'RN-1',
    performerRole: 'clinical_staff',
    billingPractitionerId: 'DR-1',
    startedAt: '2025-03-04T14:00:00-05:00',
    minutes: 20,
    activity: 'medication reconciliation call',
  },
});
const organizationRegistered = () => {
  const { patientId: _p, ...rest } = envelope;
  return {
    ...rest,
    type: 'OrganizationRegistered',
    data: { organizationId: 'ORG-1', name: 'Main St PC', timezone: 'America/New_York', kind: 'practice' },
  };
};
const conditionDiagnosed = (icd10: string) => ({
  ...envelope,
  type: 'ConditionDiagnosed',
  data: { conditionId: 'C-1', icd10, diagnosedOn: '2024-02-29' },
});

/** The fields reported for `input`, sorted; empty when valid. */
const badFields = (input: unknown): string[] =>
  contractEventIssues(input)
    .map((i) => i.field)
    .sort();

function withData(base: { data: object }, patch: Record<string, unknown>) {
  return { ...base, data: { ...base.data, ...patch } };
}

describe('validateContractEvent', () => {
  it('accepts a valid event and returns a copy, not the input', () => {
    const input = careTimeLogged();
    const event = validateContractEvent(input);
    expect(event).toEqual(input);
    expect(event).not.toBe(input);
  });

  it('rejects with EventValidationError listing every bad field at once', () => {
    const input = withData(careTimeLogged(), {
      minutes: 0,
      startedAt: '2025-03-04T14:00:00',
      program: 'XYZ',
    });
    let error: unknown;
    try {
      validateContractEvent({ ...input, actor: { ...actor, userId: 'Jane Doe' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EventValidationError);
    const e = error as EventValidationError;
    expect(e.code).toBe('EVENT.INVALID');
    expect(e.httpStatus).toBe(400);
    expect(e.issues.map((i) => i.field).sort()).toEqual([
      'actor.userId',
      'data.minutes',
      'data.program',
      'data.startedAt',
    ]);
    expect(e.field).toBe(e.issues[0]!.field);
    // Messages describe the rule, never echo the (possibly PHI) value.
    expect(e.message).not.toContain('Jane');
  });

  it('rejects an unknown type and an unknown version', () => {
    expect(badFields({ ...careTimeLogged(), type: 'CareTimeLoged' })).toEqual(['type']);
    expect(badFields({ ...careTimeLogged(), type: undefined })).toEqual(['type']);
    expect(badFields({ ...careTimeLogged(), schemaVersion: 2 })).toEqual(['schemaVersion']);
    expect(badFields({ ...careTimeLogged(), schemaVersion: '1' })).toEqual(['schemaVersion']);
    expect(badFields({ ...careTimeLogged(), schemaVersion: 0 })).toEqual(['schemaVersion']);
  });

  it('rejects what is not an object', () => {
    for (const bad of [null, 42, 'event', [careTimeLogged()]]) expect(badFields(bad)).toEqual(['event']);
  });

  it('rejects missing, mistyped and unknown fields (the contract is closed)', () => {
    const { minutes: _m, ...withoutMinutes } = careTimeLogged().data;
    expect(badFields({ ...careTimeLogged(), data: withoutMinutes })).toEqual(['data.minutes']);
    expect(badFields(withData(careTimeLogged(), { minutes: '20' }))).toEqual(['data.minutes']);
    expect(badFields(withData(careTimeLogged(), { minute: 20 }))).toEqual(['data.minute']);
    expect(badFields({ ...careTimeLogged(), extra: true })).toEqual(['extra']);
    expect(badFields({ ...careTimeLogged(), actor: { ...actor, name: 'x' } })).toEqual(['actor.name']);
    expect(badFields({ ...careTimeLogged(), data: 'x' })).toEqual(['data']);
    expect(badFields({ ...careTimeLogged(), actor: undefined })).toEqual(['actor']);
    // An optional field is omitted, never null.
    expect(badFields(withData(careTimeLogged(), { separatelyBilledAs: null }))).toEqual([
      'data.separatelyBilledAs',
    ]);
    // A key that does not look like a field name is not echoed (it could carry PHI).
    expect(badFields(withData(careTimeLogged(), { 'John Smith': 1 }))).toEqual(['data.<unnamed>']);
  });

  it.each([
    [0, false],
    [1, true],
    [1440, true],
    [1441, false],
    [20.5, false],
    [-5, false],
    [Number.NaN, false],
  ])('minutes %p valid=%p', (minutes, ok) => {
    expect(badFields(withData(careTimeLogged(), { minutes }))).toEqual(ok ? [] : ['data.minutes']);
  });

  it.each([
    ['2025-03-04T14:00:00Z', true],
    ['2025-03-04T14:00:00-05:00', true],
    ['2025-03-04T14:00:00.123+05:30', true],
    ['2025-03-04T14:00Z', true],
    ['2025-03-04T14:00:00', false],
    ['2025-03-04', false],
    ['2025-02-30T14:00:00Z', false],
    ['2025-03-04T24:00:00Z', false],
    ['2025-03-04T14:00:00+25:00', false],
    ['2025-03-04T14:00:00z', false],
    ['2025-03-04 14:00:00Z', false],
    ['March 4 2025', false],
  ])('instant %p valid=%p', (startedAt, ok) => {
    expect(badFields(withData(careTimeLogged(), { startedAt }))).toEqual(ok ? [] : ['data.startedAt']);
    expect(badFields({ ...careTimeLogged(), occurredAt: startedAt })).toEqual(ok ? [] : ['occurredAt']);
  });

  it.each([
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2025-02-30', false],
    ['2025-13-01', false],
    ['2025-3-4', false],
    ['2025-03-04T00:00:00Z', false],
  ])('local date %p valid=%p', (diagnosedOn, ok) => {
    expect(badFields(withData(conditionDiagnosed('E11.9'), { diagnosedOn }))).toEqual(
      ok ? [] : ['data.diagnosedOn'],
    );
  });

  it.each([
    ['America/New_York', true],
    ['Pacific/Honolulu', true],
    ['UTC', true],
    ['Etc/GMT+5', true],
    ['america/new_york', false],
    ['Mars/Olympus', false],
    ['UTC+5', false],
    ['EST-5', false],
    ['', false],
  ])('timezone %p valid=%p', (timezone, ok) => {
    expect(badFields(withData(organizationRegistered(), { timezone }))).toEqual(ok ? [] : ['data.timezone']);
  });

  it.each([
    ['E11.9', true],
    ['E119', true],
    ['I10', true],
    ['S72.001A', true],
    ['QA00101', true],
    ['QA0.0139', true],
    ['Z91.A48', true],
    ['e11.9', false],
    ['E1', false],
    ['E11.', false],
    ['E11.90000', false],
    ['1E1', false],
    ['E11-9', false],
    ['E1.19', false],
  ])('ICD-10-CM %p valid=%p', (code, ok) => {
    expect(badFields(conditionDiagnosed(code))).toEqual(ok ? [] : ['data.icd10']);
  });

  it('checks enums', () => {
    expect(badFields(withData(careTimeLogged(), { program: 'ccm' }))).toEqual(['data.program']);
    expect(badFields(withData(careTimeLogged(), { performerRole: 'nurse' }))).toEqual(['data.performerRole']);
    expect(badFields(withData(organizationRegistered(), { kind: 'hospital' }))).toEqual(['data.kind']);
    const plan = {
      ...envelope,
      type: 'CarePlanEstablished',
      data: {
        carePlanId: 'CP-1',
        program: 'CCM',
        kind: 'comprehensive',
        establishedOn: '2025-03-01',
        authorId: 'DR-1',
        problems: ['E11.9'],
        goals: ['HbA1c below 7.5%'],
        interventions: ['monthly call'],
        sharedWithPatient: true,
        mdm: 'moderate',
      },
    };
    expect(badFields(plan)).toEqual([]);
    expect(badFields(withData(plan, { mdm: 'extreme', kind: 'other' }))).toEqual(['data.kind', 'data.mdm']);
    expect(badFields(withData(plan, { goals: ['ok', 7] }))).toEqual(['data.goals[1]']);
    const consent = {
      ...envelope,
      type: 'ConsentGranted',
      data: {
        consentId: 'CO-1',
        program: 'CCM',
        billingPractitionerId: 'DR-1',
        method: 'telepathy',
        obtainedAt: '2025-03-01T10:00:00-05:00',
        costSharingExplained: true,
      },
    };
    expect(badFields(consent)).toEqual(['data.method']);
    const encounter = {
      ...envelope,
      type: 'EncounterCompleted',
      data: {
        encounterId: 'V1',
        kind: 'em_office',
        practitionerId: 'DR-1',
        on: '2025-03-01',
        programsDiscussed: ['CCM', 'CCM'],
      },
    };
    expect(badFields(encounter)).toEqual(['data.programsDiscussed']);
  });

  it('keeps streams apart: tenant events have no patientId, patient events need one', () => {
    expect(badFields({ ...organizationRegistered(), patientId: 'P01' })).toEqual(['patientId']);
    const { patientId: _p, ...noPatient } = careTimeLogged();
    expect(badFields(noPatient)).toEqual(['patientId']);
  });

  it('requires pseudonymous ids', () => {
    for (const bad of ['', 'Jane Doe', 'jane@example.org', 'acme:P01', '-leading-dash', 'x'.repeat(65)]) {
      expect(badFields({ ...careTimeLogged(), patientId: bad })).toEqual(['patientId']);
      expect(badFields(withData(careTimeLogged(), { entryId: bad }))).toEqual(['data.entryId']);
    }
    expect(badFields({ ...careTimeLogged(), tenantId: 42 })).toEqual(['tenantId']);
  });

  it('checks MonitoringDataRecorded (extension 1.1): family and device agree, data days distinct and in the period', () => {
    const period = {
      ...envelope,
      type: 'MonitoringDataRecorded',
      data: {
        periodId: 'M-1',
        monitoring: 'RPM',
        deviceCategory: 'physiologic',
        billingPractitionerId: 'DR-1',
        periodStartOn: '2026-03-02',
        dataDays: ['2026-03-02', '2026-03-31'],
        setupOn: '2026-03-02',
      },
    };
    expect(badFields(period)).toEqual([]);
    expect(badFields(withData(period, { deviceCategory: 'respiratory' }))).toEqual(['data.deviceCategory']);
    expect(badFields(withData(period, { monitoring: 'RTM' }))).toEqual(['data.deviceCategory']);
    expect(badFields(withData(period, { monitoring: 'CCM' }))).toEqual(['data.monitoring']);
    expect(
      badFields(withData(period, { dataDays: ['2026-03-02', '2026-03-02', '2026-04-01', '2026-03-01'] })),
    ).toEqual(['data.dataDays[1]', 'data.dataDays[2]', 'data.dataDays[3]']);
    expect(badFields(withData(period, { setupOn: '2026-3-2' }))).toEqual(['data.setupOn']);
  });

  it('checks ConsentGranted.underApcm (extension 1.2): a boolean, only on a CoCM or BHI consent', () => {
    const consent = (program: string, underApcm: unknown) => ({
      ...envelope,
      type: 'ConsentGranted',
      data: {
        consentId: 'CN-1',
        program,
        billingPractitionerId: 'DR-1',
        method: 'verbal',
        obtainedAt: '2026-03-02T09:00:00-05:00',
        costSharingExplained: true,
        underApcm,
      },
    });
    expect(badFields(consent('CoCM', true))).toEqual([]);
    expect(badFields(consent('BHI', false))).toEqual([]);
    expect(badFields(consent('CCM', true))).toEqual(['data.underApcm']);
    expect(badFields(consent('APCM', false))).toEqual(['data.underApcm']);
    expect(badFields(consent('CoCM', 'yes'))).toEqual(['data.underApcm']);
  });

  it('checks DigitalTherapySupplied and the CareTimeLogged fields of extension 1.2', () => {
    const supplied = {
      ...envelope,
      type: 'DigitalTherapySupplied',
      data: {
        courseId: 'DT-1',
        billingPractitionerId: 'DR-1',
        deviceRegulation: '882.5801',
        suppliedOn: '2026-03-02',
      },
    };
    expect(badFields(supplied)).toEqual([]);
    expect(badFields(withData(supplied, { deviceRegulation: '882.5802' }))).toEqual([
      'data.deviceRegulation',
    ]);
    expect(badFields(withData(supplied, { suppliedOn: '2026-3-2' }))).toEqual(['data.suppliedOn']);
    expect(badFields(withData(supplied, { dataDays: [] }))).toEqual(['data.dataDays']);
    expect(badFields(withData(careTimeLogged(), { digitalTherapyCourseId: 'DT-1' }))).toEqual([]);
    expect(badFields(withData(careTimeLogged(), { digitalTherapyCourseId: 'a b' }))).toEqual([
      'data.digitalTherapyCourseId',
    ]);
    expect(
      badFields(withData(careTimeLogged(), { program: 'RPM', monitoringActivity: 'data_interpretation' })),
    ).toEqual([]);
    expect(badFields(withData(careTimeLogged(), { monitoringActivity: 'data_interpretation' }))).toEqual([
      'data.monitoringActivity',
    ]);
    expect(badFields(withData(careTimeLogged(), { program: 'RPM', monitoringActivity: 'reading' }))).toEqual([
      'data.monitoringActivity',
    ]);
  });

  it('checks NavigationServicesInitiated and NavigationTimeLogged (extension 1.3), naming the field', () => {
    const initiated = {
      ...envelope,
      type: 'NavigationServicesInitiated',
      data: {
        initiationId: 'N-1',
        service: 'CHI',
        billingPractitionerId: 'DR-1',
        initiatingEncounterId: 'V-1',
        consentObtainedOn: '2026-03-02',
      },
    };
    expect(badFields(initiated)).toEqual([]);
    expect(badFields(withData(initiated, { service: 'CCM' }))).toEqual(['data.service']);
    expect(badFields(withData(initiated, { consentObtainedOn: '2026-3-2' }))).toEqual([
      'data.consentObtainedOn',
    ]);
    const logged = {
      ...envelope,
      type: 'NavigationTimeLogged',
      data: {
        entryId: 'T-1',
        initiationId: 'N-1',
        performerId: 'CHW-1',
        startedAt: '2026-03-05T10:00:00Z',
        minutes: 60,
      },
    };
    expect(badFields(logged)).toEqual([]);
    expect(badFields(withData(logged, { minutes: 0 }))).toEqual(['data.minutes']);
    expect(badFields(withData(logged, { voided: 'yes' }))).toEqual(['data.voided']);
    expect(badFields(withData(logged, { activity: 'free text' }))).toEqual(['data.activity']);
  });

  it('checks MonthClaimed months and lines', () => {
    const claim = {
      ...envelope,
      type: 'MonthClaimed',
      data: {
        month: '2025-03',
        program: 'CCM',
        billingPractitionerId: 'DR-1',
        lines: [{ code: '99490', units: 1 }],
      },
    };
    expect(badFields(claim)).toEqual([]);
    expect(badFields(withData(claim, { lines: [] }))).toEqual([]);
    expect(badFields(withData(claim, { month: '2025-3' }))).toEqual(['data.month']);
    expect(badFields(withData(claim, { month: '2025-13' }))).toEqual(['data.month']);
    expect(badFields(withData(claim, { month: '2025-03-01' }))).toEqual(['data.month']);
    expect(
      badFields(
        withData(claim, {
          lines: [
            { code: '99490', units: 0 },
            { code: '99439', units: 1.5 },
            { code: '9949', units: 1, x: 1 },
          ],
        }),
      ),
    ).toEqual(['data.lines[0].units', 'data.lines[1].units', 'data.lines[2].code', 'data.lines[2].x']);
  });

  it('requires an amendment to change at least one of minutes, startedAt, program, performerRole', () => {
    const amend = { ...envelope, type: 'CareTimeAmended', data: { entryId: 'E-1', reason: 'typo' } };
    expect(contractEventIssues(amend)).toEqual([
      { field: 'data', message: 'must change at least one of minutes, startedAt, program, performerRole' },
    ]);
    expect(badFields(withData(amend, { minutes: 25 }))).toEqual([]);
    expect(badFields(withData(amend, { performerRole: 'physician' }))).toEqual([]);
    expect(badFields(withData(amend, { minutes: 2000 }))).toEqual(['data.minutes']);
  });

  it('rejects empty free text but accepts the separately-billed code shape', () => {
    expect(badFields(withData(careTimeLogged(), { activity: '  ' }))).toEqual(['data.activity']);
    expect(badFields(withData(careTimeLogged(), { separatelyBilledAs: '99214' }))).toEqual([]);
    expect(badFields(withData(careTimeLogged(), { separatelyBilledAs: 'office visit' }))).toEqual([
      'data.separatelyBilledAs',
    ]);
  });

  it('has a non-throwing variant', () => {
    expect(tryValidateContractEvent(careTimeLogged()).ok).toBe(true);
    const r = tryValidateContractEvent({ type: 'Nope' });
    expect(r.ok).toBe(false);
  });

  // The shared conformance scenarios are written in contract v1: every event in them must pass.
  const scenarios = path.resolve(__dirname, '../../../../../shared/conformance/scenarios');
  const files = fs.existsSync(scenarios) ? fs.readdirSync(scenarios).filter((f) => f.endsWith('.json')) : [];
  (files.length > 0 ? it : it.skip)('accepts every event of the shared conformance scenarios', () => {
    for (const file of files) {
      const scenario = JSON.parse(fs.readFileSync(path.join(scenarios, file), 'utf8')) as {
        events: unknown[];
      };
      scenario.events.forEach((event, i) => {
        const issues = contractEventIssues(event);
        if (issues.length > 0) throw new Error(`${file} event ${i}: ${JSON.stringify(issues)}`);
      });
    }
  });
});

describe('ICD-10-CM helpers', () => {
  it('normalizes to the code-set spelling and finds the category', () => {
    expect(normalizeIcd10(' e11.9 ')).toBe('E119');
    expect(normalizeIcd10('QA0.0139')).toBe('QA00139');
    expect(icd10Category('E11.22')).toBe('E11');
    expect(icd10Category('e1122')).toBe('E11');
    expect(isWellFormedIcd10('QA00101')).toBe(true);
  });
});
