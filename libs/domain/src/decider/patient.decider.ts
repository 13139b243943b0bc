import { DateTime } from 'luxon';
import { PATIENT_COMMAND_EVENTS, type PatientCommand } from '../commands/patient-commands';
import type { ContractEvent, PatientEvent } from '../events/event-types';
import { AMENDABLE_CARE_TIME_FIELDS } from '../events/event-schemas';
import { eventFromCommand, type CommandContext } from './command-event';
import {
  AmendmentChangesNothingError,
  CareTimeEntryVoidedError,
  ConditionAlreadyResolvedError,
  ConsentAlreadyRevokedError,
  DuplicateIdError,
  PatientAlreadyRegisteredError,
  PatientNotRegisteredError,
  ResolutionBeforeDiagnosisError,
  RevocationBeforeConsentError,
  StreamMismatchError,
  UnknownCarePlanError,
  UnknownCareTimeEntryError,
  UnknownCommandError,
  UnknownConditionError,
  UnknownConsentError,
} from './decider.errors';
import { lookup, type PatientState } from './patient-state';

const millis = (instant: string): number => DateTime.fromISO(instant, { setZone: true }).toMillis();

/**
 * The invariants of a patient stream, checked against a contract event about to be appended.
 * Shared by `decide` (commands) and by imports of already-formed events, so both refuse the same
 * things. Throws a `DomainError`; returns nothing when the event may be appended.
 *
 * Not invariants, on purpose: time logged without (or outside) a consent is a clinical fact and is
 * accepted (the rules exclude it with a reason); events may arrive late (valid time before others).
 */
export function checkPatientInvariants(state: PatientState, event: PatientEvent): void {
  if (state.registered) {
    if (event.tenantId !== state.tenantId) throw new StreamMismatchError('tenantId');
    if (event.patientId !== state.patientId) throw new StreamMismatchError('patientId');
  }
  if (event.type === 'PatientRegistered') {
    if (state.registered) throw new PatientAlreadyRegisteredError(event.patientId ?? '');
    return;
  }
  if (!state.registered) throw new PatientNotRegisteredError(event.patientId ?? '');

  switch (event.type) {
    case 'ConditionDiagnosed':
      if (lookup(state.conditions, event.data.conditionId)) {
        throw new DuplicateIdError('CONDITION.DUPLICATE', 'conditionId', event.data.conditionId);
      }
      return;
    case 'ConditionResolved': {
      const condition = lookup(state.conditions, event.data.conditionId);
      if (!condition) throw new UnknownConditionError(event.data.conditionId);
      if (condition.resolvedOn !== null) throw new ConditionAlreadyResolvedError(event.data.conditionId);
      // ISO local dates compare correctly as strings.
      if (event.data.resolvedOn < condition.diagnosedOn)
        throw new ResolutionBeforeDiagnosisError(event.data.conditionId);
      return;
    }
    case 'EncounterCompleted':
      if (lookup(state.encounters, event.data.encounterId)) {
        throw new DuplicateIdError('ENCOUNTER.DUPLICATE', 'encounterId', event.data.encounterId);
      }
      return;
    case 'PsychotherapyProvided':
      if (lookup(state.psychotherapy, event.data.encounterId) !== undefined) {
        throw new DuplicateIdError('PSYCHOTHERAPY.DUPLICATE', 'encounterId', event.data.encounterId);
      }
      return;
    case 'PharmacologicManagementProvided':
      if (lookup(state.pharmacologicManagement, event.data.encounterId) !== undefined) {
        throw new DuplicateIdError(
          'PHARMACOLOGIC_MANAGEMENT.DUPLICATE',
          'encounterId',
          event.data.encounterId,
        );
      }
      return;
    case 'ConsentGranted':
      if (lookup(state.consents, event.data.consentId)) {
        throw new DuplicateIdError('CONSENT.DUPLICATE', 'consentId', event.data.consentId);
      }
      return;
    case 'ConsentRevoked': {
      const consent = lookup(state.consents, event.data.consentId);
      if (!consent) throw new UnknownConsentError(event.data.consentId);
      if (consent.revokedAt !== null) throw new ConsentAlreadyRevokedError(event.data.consentId);
      if (millis(event.data.revokedAt) < millis(consent.obtainedAt)) {
        throw new RevocationBeforeConsentError(event.data.consentId);
      }
      return;
    }
    case 'CarePlanEstablished':
      if (lookup(state.carePlans, event.data.carePlanId)) {
        throw new DuplicateIdError('CARE_PLAN.DUPLICATE', 'carePlanId', event.data.carePlanId);
      }
      return;
    case 'CarePlanRevised':
      if (!lookup(state.carePlans, event.data.carePlanId))
        throw new UnknownCarePlanError(event.data.carePlanId);
      return;
    case 'CareTimeLogged':
      // A voided entry keeps its id: reusing it would make the audit trail ambiguous.
      if (lookup(state.careTime, event.data.entryId)) {
        throw new DuplicateIdError('CARE_TIME.DUPLICATE', 'entryId', event.data.entryId);
      }
      return;
    case 'CareTimeAmended': {
      const entry = lookup(state.careTime, event.data.entryId);
      if (!entry) throw new UnknownCareTimeEntryError(event.data.entryId);
      if (entry.voided) throw new CareTimeEntryVoidedError(event.data.entryId);
      const data = event.data;
      const changes = AMENDABLE_CARE_TIME_FIELDS.some((f) =>
        f === 'startedAt'
          ? data.startedAt !== undefined && millis(data.startedAt) !== millis(entry.startedAt)
          : data[f] !== undefined && data[f] !== entry[f],
      );
      if (!changes) throw new AmendmentChangesNothingError(event.data.entryId);
      return;
    }
    case 'CareTimeVoided': {
      const entry = lookup(state.careTime, event.data.entryId);
      if (!entry) throw new UnknownCareTimeEntryError(event.data.entryId);
      if (entry.voided) throw new CareTimeEntryVoidedError(event.data.entryId);
      return;
    }
    case 'MonitoringDataRecorded':
    case 'DigitalTherapySupplied':
      // A later event of the same period or course replaces the earlier one (the vendor's final count).
      return;
    case 'NavigationServicesInitiated':
    case 'NavigationTimeLogged':
      // Extension 1.3: a later event of the same id replaces the earlier one (the rules read the latest).
      return;
    case 'MonthClaimed':
      // Claims are recorded as submitted, resubmissions included; replays compare against them.
      return;
  }
}

/**
 * The patient decider: given the stream's state and a command, the events to append (always one
 * today), or a `DomainError` (`EventValidationError` for a malformed command, an invariant error
 * otherwise). Pure: `ctx.now` is the clock, `ctx.actor` who acts; no id is invented here.
 */
export function decide(state: PatientState, command: PatientCommand, ctx: CommandContext): PatientEvent[] {
  const mapping = Object.hasOwn(PATIENT_COMMAND_EVENTS, command.type)
    ? PATIENT_COMMAND_EVENTS[command.type]
    : undefined;
  if (!mapping) throw new UnknownCommandError();
  const event = eventFromCommand(command, mapping.event, ctx, mapping.occurredAtFrom) as PatientEvent;
  checkPatientInvariants(state, event);
  return [event];
}

/** Type guard used by imports: is this contract event one of a patient stream? */
export function isPatientEvent(event: ContractEvent): event is PatientEvent {
  return event.patientId !== undefined;
}
