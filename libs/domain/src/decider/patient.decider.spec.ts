import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PatientCommand } from '../commands/patient-commands';
import { DomainError } from '../errors/domain.error';
import { EventValidationError } from '../events/event-validation.error';
import type { ContractEvent, PatientEvent } from '../events/event-types';
import { validateContractEvent } from '../events/validate-contract-event';
import type { CommandContext } from './command-event';
import { checkPatientInvariants, decide } from './patient.decider';
import { foldPatientState, initialPatientState } from './patient-state';
import { checkTenantInvariants, foldTenantState, initialTenantState } from './tenant.decider';

const ctx: CommandContext = {
  now: '2025-03-10T15:00:00Z',
  tenantId: 'acme-health',
  actor: { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' },
};
const P = 'P01';

/** Build the event history by deciding commands in order (so every given is itself valid). */
function given(...commands: PatientCommand[]): ContractEvent[] {
  const events: ContractEvent[] = [];
  for (const command of commands) events.push(...decide(foldPatientState(events), command, ctx));
  return events;
}

/** Run `command` against the history; returns the events or the thrown error. */
function when(history: ContractEvent[], command: PatientCommand): PatientEvent[] | DomainError {
  try {
    return decide(foldPatientState(history), command, ctx);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

function expectError(result: PatientEvent[] | DomainError, code: string, httpStatus: number, field?: string) {
  expect(result).toBeInstanceOf(DomainError);
  const error = result as DomainError;
  expect({ code: error.code, httpStatus: error.httpStatus, field: error.field }).toEqual({
    code,
    httpStatus,
    field,
  });
}

const register: PatientCommand = { type: 'RegisterPatient', patientId: P, organizationId: 'ORG-1' };
const logTime = (entryId: string, minutes = 20): PatientCommand => ({
  type: 'LogCareTime',
  patientId: P,
  entryId,
  program: 'CCM',
  performerId: 'RN-1',
  performerRole: 'clinical_staff',
  billingPractitionerId: 'DR-1',
  startedAt: '2025-03-04T14:00:00-05:00',
  minutes,
  activity: 'care coordination call',
});
const grant = (consentId: string): PatientCommand => ({
  type: 'GrantConsent',
  patientId: P,
  consentId,
  program: 'CCM',
  billingPractitionerId: 'DR-1',
  method: 'verbal',
  obtainedAt: '2025-03-01T10:00:00-05:00',
  costSharingExplained: true,
});
const revoke = (consentId: string, revokedAt = '2025-03-20T10:00:00-04:00'): PatientCommand => ({
  type: 'RevokeConsent',
  patientId: P,
  consentId,
  revokedAt,
});
const diagnose = (conditionId: string, diagnosedOn = '2024-05-01'): PatientCommand => ({
  type: 'DiagnoseCondition',
  patientId: P,
  conditionId,
  icd10: 'E11.9',
  diagnosedOn,
});
const establish = (carePlanId: string): PatientCommand => ({
  type: 'EstablishCarePlan',
  patientId: P,
  carePlanId,
  program: 'CCM',
  kind: 'comprehensive',
  establishedOn: '2025-03-02',
  authorId: 'DR-1',
  problems: ['E11.9', 'I10'],
  goals: ['synthetic goal'],
  interventions: ['synthetic intervention'],
  sharedWithPatient: true,
});
const revise = (carePlanId: string): PatientCommand => ({
  type: 'ReviseCarePlan',
  patientId: P,
  carePlanId,
  revisedOn: '2025-04-02',
  authorId: 'DR-1',
  changes: { goals: ['revised synthetic goal'] },
  substantial: true,
});
const amend = (entryId: string, change: { minutes?: number; program?: 'PCM' }): PatientCommand => ({
  type: 'AmendCareTime',
  patientId: P,
  entryId,
  reason: 'typo',
  ...change,
});
const voidEntry = (entryId: string): PatientCommand => ({
  type: 'VoidCareTime',
  patientId: P,
  entryId,
  reason: 'wrong patient',
});
const encounter = (encounterId: string): PatientCommand => ({
  type: 'CompleteEncounter',
  patientId: P,
  encounterId,
  kind: 'em_office',
  practitionerId: 'DR-1',
  on: '2025-03-03',
});
const psychotherapy = (encounterId: string): PatientCommand => ({
  type: 'ProvidePsychotherapy',
  patientId: P,
  encounterId,
  practitionerId: 'DR-1',
  on: '2025-03-03',
  minutes: 30,
  withEM: true,
});
const pharm = (encounterId: string): PatientCommand => ({
  type: 'ProvidePharmacologicManagement',
  patientId: P,
  encounterId,
  practitionerId: 'NP-1',
  on: '2025-03-03',
});

describe('patient decider', () => {
  describe('commands become contract events', () => {
    it('LogCareTime -> CareTimeLogged with recordedAt = now, occurredAt = startedAt, actor and tenant from ctx', () => {
      const [event] = when(given(register), logTime('E-1')) as PatientEvent[];
      expect(event).toEqual({
        type: 'CareTimeLogged',
        schemaVersion: 1,
        tenantId: 'acme-health',
        patientId: P,
        occurredAt: '2025-03-04T14:00:00-05:00',
        recordedAt: ctx.now,
        actor: ctx.actor,
        data: {
          entryId: 'E-1',
          program: 'CCM',
          performerId: 'RN-1',
          performerRole: 'clinical_staff',
          billingPractitionerId: 'DR-1',
          startedAt: '2025-03-04T14:00:00-05:00',
          minutes: 20,
          activity: 'care coordination call',
        },
      });
      expect(() => validateContractEvent(event)).not.toThrow();
    });

    it('every command yields the event of the same name, valid under contract v1', () => {
      const history = given(
        register,
        diagnose('C-1'),
        { type: 'ResolveCondition', patientId: P, conditionId: 'C-1', resolvedOn: '2025-01-01' },
        encounter('V-1'),
        psychotherapy('V-1'),
        pharm('V-1'),
        grant('CO-1'),
        revoke('CO-1'),
        establish('CP-1'),
        revise('CP-1'),
        logTime('E-1'),
        amend('E-1', { minutes: 25 }),
        voidEntry('E-1'),
        {
          type: 'ClaimMonth',
          patientId: P,
          month: '2025-03',
          program: 'CCM',
          billingPractitionerId: 'DR-1',
          lines: [{ code: '99490', units: 1 }],
        },
      );
      expect(history.map((e) => e.type)).toEqual([
        'PatientRegistered',
        'ConditionDiagnosed',
        'ConditionResolved',
        'EncounterCompleted',
        'PsychotherapyProvided',
        'PharmacologicManagementProvided',
        'ConsentGranted',
        'ConsentRevoked',
        'CarePlanEstablished',
        'CarePlanRevised',
        'CareTimeLogged',
        'CareTimeAmended',
        'CareTimeVoided',
        'MonthClaimed',
      ]);
      history.forEach((e) => expect(() => validateContractEvent(e)).not.toThrow());
      expect(history.find((e) => e.type === 'ConsentRevoked')?.occurredAt).toBe('2025-03-20T10:00:00-04:00');
      expect(history.find((e) => e.type === 'ConditionDiagnosed')?.occurredAt).toBe(ctx.now);
    });

    it('an explicit occurredAt wins', () => {
      const [event] = when(given(register), {
        ...diagnose('C-1'),
        occurredAt: '2024-05-01T09:00:00-04:00',
      }) as PatientEvent[];
      expect(event!.occurredAt).toBe('2024-05-01T09:00:00-04:00');
    });

    it('a malformed command is an EventValidationError naming every bad field as the command spells it', () => {
      const result = when(given(register), {
        ...logTime('E-1'),
        minutes: 0,
        startedAt: '2025-03-04T14:00:00',
      } as PatientCommand);
      expect(result).toBeInstanceOf(EventValidationError);
      expect((result as EventValidationError).issues.map((i) => i.field).sort()).toEqual([
        'minutes',
        'occurredAt',
        'startedAt',
      ]);
      const noChange = when(given(register, logTime('E-1')), {
        type: 'AmendCareTime',
        patientId: P,
        entryId: 'E-1',
        reason: 'x',
      });
      expect((noChange as EventValidationError).issues.map((i) => i.field)).toEqual(['command']);
      const badNow = (() => {
        try {
          return decide(foldPatientState(given(register)), logTime('E-2'), { ...ctx, now: 'yesterday' });
        } catch (e) {
          return e as EventValidationError;
        }
      })();
      expect((badNow as EventValidationError).issues.map((i) => i.field)).toEqual(['ctx.now']);
    });

    it('an unknown command type is COMMAND.UNKNOWN', () => {
      expectError(
        when(given(register), { type: 'DeletePatient', patientId: P } as unknown as PatientCommand),
        'COMMAND.UNKNOWN',
        400,
        'type',
      );
    });
  });

  describe('registration', () => {
    it('refuses any patient command before PatientRegistered', () => {
      for (const command of [
        logTime('E-1'),
        grant('CO-1'),
        diagnose('C-1'),
        encounter('V-1'),
        establish('CP-1'),
      ]) {
        expectError(when([], command), 'PATIENT.NOT_REGISTERED', 404, 'patientId');
      }
    });
    it('refuses a second registration', () => {
      expectError(when(given(register), register), 'PATIENT.ALREADY_REGISTERED', 409, 'patientId');
    });
    it('refuses an event of another patient or tenant on this stream', () => {
      const state = foldPatientState(given(register));
      const [other] = decide(initialPatientState, { ...register, patientId: 'P02' }, ctx);
      const [otherLog] = decide(foldPatientState([other!]), { ...logTime('E-1'), patientId: 'P02' }, ctx);
      expect(() => checkPatientInvariants(state, otherLog!)).toThrow(
        expect.objectContaining({ code: 'STREAM.MISMATCH', field: 'patientId' }),
      );
      expect(() =>
        checkPatientInvariants(state, { ...otherLog!, patientId: P, tenantId: 'other-health' }),
      ).toThrow(expect.objectContaining({ code: 'STREAM.MISMATCH', field: 'tenantId' }));
    });
  });

  describe('ids are unique per stream', () => {
    it.each([
      ['CONDITION.DUPLICATE', 'conditionId', diagnose('C-1')],
      ['ENCOUNTER.DUPLICATE', 'encounterId', encounter('V-1')],
      ['PSYCHOTHERAPY.DUPLICATE', 'encounterId', psychotherapy('V-1')],
      ['PHARMACOLOGIC_MANAGEMENT.DUPLICATE', 'encounterId', pharm('V-1')],
      ['CONSENT.DUPLICATE', 'consentId', grant('CO-1')],
      ['CARE_PLAN.DUPLICATE', 'carePlanId', establish('CP-1')],
      ['CARE_TIME.DUPLICATE', 'entryId', logTime('E-1')],
    ])('%s', (code, field, command) => {
      expectError(when(given(register, command), command), code, 409, field);
    });
    it('a voided entry id, a revoked consent id and a resolved condition id stay taken', () => {
      expectError(
        when(given(register, logTime('E-1'), voidEntry('E-1')), logTime('E-1')),
        'CARE_TIME.DUPLICATE',
        409,
        'entryId',
      );
      expectError(
        when(given(register, grant('CO-1'), revoke('CO-1')), grant('CO-1')),
        'CONSENT.DUPLICATE',
        409,
        'consentId',
      );
    });
    it('psychotherapy and pharmacologic management share the encounter id of their visit', () => {
      const events = given(register, encounter('V-1'), psychotherapy('V-1'), pharm('V-1'));
      expect(events).toHaveLength(4);
    });
    it('an id that looks like a prototype member is just an id', () => {
      expect(when(given(register), logTime('constructor'))).toHaveLength(1);
      expect(when(given(register), grant('toString'))).toHaveLength(1);
    });
  });

  describe('care time', () => {
    it('time logged without any consent is accepted: a clinical fact, excluded later by the rules', () => {
      expect(when(given(register), logTime('E-1'))).toHaveLength(1);
    });
    it('amend and void of an unknown entry are CARE_TIME.UNKNOWN_ENTRY (404)', () => {
      expectError(
        when(given(register), amend('E-9', { minutes: 5 })),
        'CARE_TIME.UNKNOWN_ENTRY',
        404,
        'entryId',
      );
      expectError(when(given(register), voidEntry('E-9')), 'CARE_TIME.UNKNOWN_ENTRY', 404, 'entryId');
    });
    it('amend and void of a voided entry are CARE_TIME.VOIDED (409)', () => {
      const history = given(register, logTime('E-1'), voidEntry('E-1'));
      expectError(when(history, amend('E-1', { minutes: 5 })), 'CARE_TIME.VOIDED', 409, 'entryId');
      expectError(when(history, voidEntry('E-1')), 'CARE_TIME.VOIDED', 409, 'entryId');
    });
    it('an amendment must change a current value; the state keeps the final values', () => {
      const history = given(register, logTime('E-1', 20), amend('E-1', { minutes: 25 }));
      expectError(when(history, amend('E-1', { minutes: 25 })), 'CARE_TIME.NO_CHANGE', 409, 'entryId');
      expect(when(history, amend('E-1', { minutes: 20 }))).toHaveLength(1);
      expect(when(history, amend('E-1', { program: 'PCM' }))).toHaveLength(1);
      // The same instant written with another offset is no change either.
      expectError(
        when(history, {
          type: 'AmendCareTime',
          patientId: P,
          entryId: 'E-1',
          reason: 'x',
          startedAt: '2025-03-04T19:00:00Z',
        }),
        'CARE_TIME.NO_CHANGE',
        409,
        'entryId',
      );
      expect(foldPatientState(history).careTime['E-1']).toMatchObject({
        minutes: 25,
        program: 'CCM',
        voided: false,
      });
    });
  });

  describe('consents', () => {
    it('revoke of an unknown consent is CONSENT.UNKNOWN (404)', () => {
      expectError(when(given(register), revoke('CO-9')), 'CONSENT.UNKNOWN', 404, 'consentId');
    });
    it('revoke of a revoked consent is CONSENT.ALREADY_REVOKED (409)', () => {
      expectError(
        when(given(register, grant('CO-1'), revoke('CO-1')), revoke('CO-1')),
        'CONSENT.ALREADY_REVOKED',
        409,
        'consentId',
      );
    });
    it('a revocation before the consent was obtained is refused', () => {
      expectError(
        when(given(register, grant('CO-1')), revoke('CO-1', '2025-02-28T10:00:00-05:00')),
        'CONSENT.REVOKED_BEFORE_GRANTED',
        400,
        'revokedAt',
      );
    });
    it('a re-grant after revocation is a new consent with a new id', () => {
      const state = foldPatientState(given(register, grant('CO-1'), revoke('CO-1'), grant('CO-2')));
      expect(state.consents['CO-1']?.revokedAt).toBe('2025-03-20T10:00:00-04:00');
      expect(state.consents['CO-2']?.revokedAt).toBeNull();
    });
  });

  describe('care plans', () => {
    it('revision of an unknown plan is CARE_PLAN.UNKNOWN (404)', () => {
      expectError(when(given(register), revise('CP-9')), 'CARE_PLAN.UNKNOWN', 404, 'carePlanId');
    });
    it('numbers versions: established = 1, each revision + 1, per plan', () => {
      const state = foldPatientState(
        given(register, establish('CP-1'), establish('CP-2'), revise('CP-1'), revise('CP-1')),
      );
      expect(state.carePlans['CP-1']?.version).toBe(3);
      expect(state.carePlans['CP-2']?.version).toBe(1);
    });
  });

  describe('conditions', () => {
    const resolve = (resolvedOn = '2025-01-01'): PatientCommand => ({
      type: 'ResolveCondition',
      patientId: P,
      conditionId: 'C-1',
      resolvedOn,
    });
    it('resolution of an unknown condition is CONDITION.UNKNOWN', () => {
      expectError(when(given(register), resolve()), 'CONDITION.UNKNOWN', 404, 'conditionId');
    });
    it('a second resolution is CONDITION.ALREADY_RESOLVED', () => {
      expectError(
        when(given(register, diagnose('C-1'), resolve()), resolve()),
        'CONDITION.ALREADY_RESOLVED',
        409,
        'conditionId',
      );
    });
    it('a resolution before the diagnosis is refused', () => {
      expectError(
        when(given(register, diagnose('C-1', '2024-05-01')), resolve('2024-04-30')),
        'CONDITION.RESOLVED_BEFORE_DIAGNOSED',
        400,
        'resolvedOn',
      );
    });
  });

  describe('state', () => {
    it('is rebuilt from events and counts the stream version', () => {
      const history = given(register, diagnose('C-1'), grant('CO-1'), logTime('E-1'));
      const state = foldPatientState(history);
      expect(state).toMatchObject({
        registered: true,
        tenantId: 'acme-health',
        patientId: P,
        organizationId: 'ORG-1',
        version: 4,
      });
      expect(foldPatientState(history.slice(2), foldPatientState(history.slice(0, 2)))).toEqual(state);
    });
    it('is never mutated by evolve', () => {
      const before = foldPatientState(given(register));
      const snapshot = JSON.stringify(before);
      foldPatientState(given(register, logTime('E-1')).slice(1), before);
      expect(JSON.stringify(before)).toBe(snapshot);
    });
  });

  // Every public conformance scenario is a history the platform must be able to import: replaying
  // it through the invariants must refuse nothing.
  const scenarios = path.resolve(__dirname, '../../../../../shared/conformance/scenarios');
  const files = fs.existsSync(scenarios) ? fs.readdirSync(scenarios).filter((f) => f.endsWith('.json')) : [];
  (files.length > 0 ? it : it.skip)('accepts the history of every shared conformance scenario', () => {
    for (const file of files) {
      const { events } = JSON.parse(fs.readFileSync(path.join(scenarios, file), 'utf8')) as {
        events: unknown[];
      };
      let tenant = initialTenantState;
      const patients = new Map<string, ContractEvent[]>();
      events.forEach((raw, i) => {
        const event = validateContractEvent(raw);
        try {
          if (event.patientId === undefined) {
            checkTenantInvariants(tenant, event as never);
            tenant = foldTenantState([event], tenant);
          } else {
            const stream = patients.get(event.patientId) ?? [];
            checkPatientInvariants(foldPatientState(stream), event as PatientEvent);
            patients.set(event.patientId, [...stream, event]);
          }
        } catch (error) {
          throw new Error(`${file} event ${i}: ${(error as Error).message}`);
        }
      });
    }
  });
});
