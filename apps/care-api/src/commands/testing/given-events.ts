import type { Actor, ContractEvent } from '@careledger/domain';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Synthetic data for the use-case specs: one tenant, one patient, ids only and invented text. */
export const TENANT = 'acme-health';
export const PATIENT = 'P01';
export const ACTOR: Actor = { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' };
export const NOW = '2025-03-04T19:20:00Z';

const envelope = (type: string, data: object, patient = true): ContractEvent =>
  ({
    type,
    schemaVersion: 1,
    tenantId: TENANT,
    ...(patient ? { patientId: PATIENT } : {}),
    occurredAt: '2025-03-01T09:00:00-05:00',
    recordedAt: '2025-03-01T14:00:00Z',
    actor: ACTOR,
    data,
  }) as ContractEvent;

/** Named histories a spec starts from (the "given" of given/when/then). */
export const GIVEN = {
  none: [] as ContractEvent[],
  organization: [
    envelope(
      'OrganizationRegistered',
      { organizationId: 'org-1', name: 'Synthetic Clinic', timezone: 'America/New_York', kind: 'practice' },
      false,
    ),
  ],
  registered: [envelope('PatientRegistered', { organizationId: 'org-1' })],
  withCondition: [
    envelope('PatientRegistered', { organizationId: 'org-1' }),
    envelope('ConditionDiagnosed', { conditionId: 'c-1', icd10: 'E11.9', diagnosedOn: '2025-01-10' }),
  ],
  withConsent: [
    envelope('PatientRegistered', { organizationId: 'org-1' }),
    envelope('ConsentGranted', {
      consentId: 'consent-1',
      program: 'CCM',
      billingPractitionerId: 'md-1',
      method: 'verbal',
      obtainedAt: '2025-03-01T09:00:00-05:00',
      costSharingExplained: true,
    }),
  ],
  withPlan: [
    envelope('PatientRegistered', { organizationId: 'org-1' }),
    envelope('CarePlanEstablished', {
      carePlanId: 'plan-1',
      program: 'CCM',
      kind: 'comprehensive',
      establishedOn: '2025-03-01',
      authorId: 'md-1',
      problems: ['E11.9'],
      goals: ['synthetic goal'],
      interventions: ['synthetic intervention'],
      sharedWithPatient: true,
    }),
  ],
  withEntry: [
    envelope('PatientRegistered', { organizationId: 'org-1' }),
    envelope('CareTimeLogged', {
      entryId: 'e-1',
      program: 'CCM',
      performerId: 'rn-7',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'md-1',
      startedAt: '2025-03-04T14:00:00-05:00',
      minutes: 20,
      activity: 'synthetic phone follow-up',
    }),
  ],
} satisfies Record<string, ContractEvent[]>;

/** The fields a DTO's validation names for a body (what the 400 problem would list). */
export function fieldErrors(dto: new () => object, body: object): string[] {
  const flatten = (errors: ValidationError[], prefix = ''): string[] =>
    errors.flatMap((e) => {
      const field = prefix
        ? /^\d+$/.test(e.property)
          ? `${prefix}[${e.property}]`
          : `${prefix}.${e.property}`
        : e.property;
      return [...(e.constraints ? [field] : []), ...flatten(e.children ?? [], field)];
    });
  const instance = plainToInstance(dto, body);
  return [
    ...new Set(
      flatten(
        validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }),
      ),
    ),
  ];
}
