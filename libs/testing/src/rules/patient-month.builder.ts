import {
  type CarePlanKind,
  type CareSetting,
  type ContractEvent,
  type DetermineMonthOptions,
  type EncounterKind,
  type MdmLevel,
  type MonthDetermination,
  type OrganizationKind,
  type PractitionerRole,
  type Program,
  type ReferenceData,
  determineMonth,
} from '@careledger/domain';

/**
 * Given/when/then kit for the rules engine: builds one patient's contract events (plus the tenant's
 * reference events) without ceremony, then evaluates a month. Pure; used by specs of the domain and
 * by anyone who needs small, readable event histories. Free-text fields hold generic words only.
 *
 * `recordedAt` defaults to the fact's own time (the instant of a time entry or consent, noon UTC of
 * a dated fact); pass `recordedAt` to model late or early knowledge.
 */
export class PatientMonthBuilder {
  readonly events: ContractEvent[] = [];
  private readonly actor = { userId: 'u-test', role: 'clinical_staff', departmentId: 'primary-care' };

  constructor(
    readonly patientId = 'P1',
    readonly tenantId = 't-test',
  ) {}

  private push(
    type: ContractEvent['type'],
    data: object,
    occurredAt: string,
    recordedAt: string | undefined,
    patient = true,
  ): this {
    const e: Record<string, unknown> = {
      type,
      schemaVersion: 1,
      tenantId: this.tenantId,
      occurredAt,
      recordedAt: recordedAt ?? occurredAt,
      actor: this.actor,
      data,
    };
    if (patient) e.patientId = this.patientId;
    this.events.push(e as unknown as ContractEvent);
    return this;
  }

  private static noon(date: string): string {
    return `${date}T12:00:00Z`;
  }

  org(
    organizationId: string,
    timezone: string,
    kind: OrganizationKind = 'practice',
    recordedAt = '2020-01-01T00:00:00Z',
  ): this {
    return this.push(
      'OrganizationRegistered',
      { organizationId, name: 'Clinic', timezone, kind },
      recordedAt,
      recordedAt,
      false,
    );
  }

  practitioner(
    practitionerId: string,
    organizationId: string,
    role: PractitionerRole,
    canBillEM = role === 'physician' || role === 'qhp',
    recordedAt = '2020-01-01T00:01:00Z',
  ): this {
    const credential = role === 'physician' ? 'MD' : role === 'qhp' ? 'NP' : role === 'bhcm' ? 'LCSW' : 'RN';
    return this.push(
      'PractitionerRegistered',
      { practitionerId, organizationId, credential, role, canBillEM },
      recordedAt,
      recordedAt,
      false,
    );
  }

  patient(organizationId: string, qmb = false): this {
    return this.push('PatientRegistered', { organizationId, qmb }, '2020-02-01T00:00:00Z', undefined);
  }

  condition(
    conditionId: string,
    icd10: string,
    diagnosedOn: string,
    extra: {
      chronic?: boolean;
      highRisk?: boolean;
      behavioral?: boolean;
      expectedDurationMonths?: number;
      recordedAt?: string;
    } = {},
  ): this {
    const { recordedAt, ...flags } = extra;
    return this.push(
      'ConditionDiagnosed',
      { conditionId, icd10, diagnosedOn, ...flags },
      PatientMonthBuilder.noon(diagnosedOn),
      recordedAt,
    );
  }

  resolve(conditionId: string, resolvedOn: string): this {
    return this.push(
      'ConditionResolved',
      { conditionId, resolvedOn },
      PatientMonthBuilder.noon(resolvedOn),
      undefined,
    );
  }

  visit(
    encounterId: string,
    practitionerId: string,
    on: string,
    kind: EncounterKind = 'em_office',
    recordedAt?: string,
  ): this {
    return this.push(
      'EncounterCompleted',
      { encounterId, kind, practitionerId, on },
      PatientMonthBuilder.noon(on),
      recordedAt,
    );
  }

  /** An office E/M visit with its level (extension 1.1: levels 2-5 initiate, 1 = 99211 does not). */
  emVisit(encounterId: string, practitionerId: string, on: string, emLevel: number): this {
    return this.push(
      'EncounterCompleted',
      { encounterId, kind: 'em_office', practitionerId, on, emLevel },
      PatientMonthBuilder.noon(on),
      undefined,
    );
  }

  /** A visit that records an extensive CCM assessment and care planning (G0506; extension 1.1). */
  ccmAssessmentVisit(
    encounterId: string,
    practitionerId: string,
    on: string,
    kind: EncounterKind = 'em_office',
    emLevel?: number,
  ): this {
    const data: Record<string, unknown> = {
      encounterId,
      kind,
      practitionerId,
      on,
      ccmComprehensiveAssessment: true,
    };
    if (emLevel !== undefined) data.emLevel = emLevel;
    return this.push('EncounterCompleted', data, PatientMonthBuilder.noon(on), undefined);
  }

  /** A TCM face-to-face visit with its transition (discharge, interactive contact, MDM; extension 1.1). */
  tcmVisit(
    encounterId: string,
    practitionerId: string,
    on: string,
    transition: { dischargedOn: string; interactiveContactOn?: string; mdm: MdmLevel },
  ): this {
    return this.push(
      'EncounterCompleted',
      { encounterId, kind: 'tcm', practitionerId, on, transition },
      PatientMonthBuilder.noon(on),
      undefined,
    );
  }

  consent(
    consentId: string,
    program: Program,
    billingPractitionerId: string,
    obtainedAt: string,
    extra: {
      costSharingExplained?: boolean;
      episodeStartedOn?: string;
      specialistConsultationPermitted?: boolean;
      underApcm?: boolean;
      recordedAt?: string;
    } = {},
  ): this {
    const data: Record<string, unknown> = {
      consentId,
      program,
      billingPractitionerId,
      method: 'verbal',
      obtainedAt,
      costSharingExplained: extra.costSharingExplained ?? true,
    };
    if (extra.episodeStartedOn !== undefined) data.episodeStartedOn = extra.episodeStartedOn;
    if (extra.specialistConsultationPermitted !== undefined)
      data.specialistConsultationPermitted = extra.specialistConsultationPermitted;
    if (extra.underApcm !== undefined) data.underApcm = extra.underApcm;
    return this.push('ConsentGranted', data, obtainedAt, extra.recordedAt);
  }

  revoke(consentId: string, revokedAt: string, recordedAt?: string): this {
    return this.push('ConsentRevoked', { consentId, revokedAt }, revokedAt, recordedAt);
  }

  plan(
    carePlanId: string,
    program: Program,
    kind: CarePlanKind,
    establishedOn: string,
    extra: { sharedWithPatient?: boolean; mdm?: MdmLevel; recordedAt?: string } = {},
  ): this {
    const data: Record<string, unknown> = {
      carePlanId,
      program,
      kind,
      establishedOn,
      authorId: 'DR-AUTHOR',
      problems: ['problem'],
      goals: ['goal'],
      interventions: ['intervention'],
      sharedWithPatient: extra.sharedWithPatient ?? true,
    };
    if (extra.mdm !== undefined) data.mdm = extra.mdm;
    return this.push('CarePlanEstablished', data, PatientMonthBuilder.noon(establishedOn), extra.recordedAt);
  }

  revise(carePlanId: string, revisedOn: string, substantial: boolean, mdm?: MdmLevel): this {
    const data: Record<string, unknown> = {
      carePlanId,
      revisedOn,
      authorId: 'DR-AUTHOR',
      changes: { goals: ['goal'] },
      substantial,
    };
    if (mdm !== undefined) data.mdm = mdm;
    return this.push('CarePlanRevised', data, PatientMonthBuilder.noon(revisedOn), undefined);
  }

  time(
    entryId: string,
    program: Program,
    performer: { id: string; role: PractitionerRole },
    billingPractitionerId: string,
    startedAt: string,
    minutes: number,
    extra: {
      separatelyBilledAs?: string;
      careSetting?: CareSetting;
      recordedAt?: string;
      digitalTherapyCourseId?: string;
      monitoringActivity?: 'data_interpretation';
    } = {},
  ): this {
    const data: Record<string, unknown> = {
      entryId,
      program,
      performerId: performer.id,
      performerRole: performer.role,
      billingPractitionerId,
      startedAt,
      minutes,
      activity: 'call',
    };
    if (extra.separatelyBilledAs !== undefined) data.separatelyBilledAs = extra.separatelyBilledAs;
    if (extra.careSetting !== undefined) data.careSetting = extra.careSetting;
    if (extra.digitalTherapyCourseId !== undefined)
      data.digitalTherapyCourseId = extra.digitalTherapyCourseId;
    if (extra.monitoringActivity !== undefined) data.monitoringActivity = extra.monitoringActivity;
    return this.push('CareTimeLogged', data, startedAt, extra.recordedAt);
  }

  amend(
    entryId: string,
    changes: { minutes?: number; startedAt?: string; program?: Program; performerRole?: PractitionerRole },
    recordedAt: string,
  ): this {
    return this.push(
      'CareTimeAmended',
      { entryId, ...changes, reason: 'correction' },
      recordedAt,
      recordedAt,
    );
  }

  void(entryId: string, recordedAt: string): this {
    return this.push('CareTimeVoided', { entryId, reason: 'entered in error' }, recordedAt, recordedAt);
  }

  psychotherapy(
    encounterId: string,
    practitionerId: string,
    on: string,
    minutes: number,
    withEM = true,
  ): this {
    return this.push(
      'PsychotherapyProvided',
      { encounterId, practitionerId, on, minutes, withEM },
      PatientMonthBuilder.noon(on),
      undefined,
    );
  }

  pharmacologic(encounterId: string, practitionerId: string, on: string): this {
    return this.push(
      'PharmacologicManagementProvided',
      { encounterId, practitionerId, on },
      PatientMonthBuilder.noon(on),
      undefined,
    );
  }

  /** A remote-monitoring 30-day device period with its data days (extension 1.1). */
  monitoring(
    periodId: string,
    monitoring: 'RPM' | 'RTM',
    billingPractitionerId: string,
    periodStartOn: string,
    dataDays: string[],
    extra: {
      deviceCategory?: 'physiologic' | 'respiratory' | 'musculoskeletal' | 'cbt';
      setupOn?: string;
    } = {},
  ): this {
    const data: Record<string, unknown> = {
      periodId,
      monitoring,
      deviceCategory: extra.deviceCategory ?? (monitoring === 'RPM' ? 'physiologic' : 'musculoskeletal'),
      billingPractitionerId,
      periodStartOn,
      dataDays,
    };
    if (extra.setupOn !== undefined) data.setupOn = extra.setupOn;
    return this.push('MonitoringDataRecorded', data, PatientMonthBuilder.noon(periodStartOn), undefined);
  }

  /** A DMHT device supplied for one course of treatment (extension 1.2). */
  digitalTherapy(
    courseId: string,
    billingPractitionerId: string,
    suppliedOn: string,
    deviceRegulation: '882.5801' | '882.5803' = '882.5801',
  ): this {
    return this.push(
      'DigitalTherapySupplied',
      { courseId, billingPractitionerId, deviceRegulation, suppliedOn },
      PatientMonthBuilder.noon(suppliedOn),
      undefined,
    );
  }

  /** Extension 1.3: CHI/PIN/PIN peer support initiated at a visit, with the consent date. */
  navigation(
    initiationId: string,
    service: 'CHI' | 'PIN' | 'PIN_PS',
    billingPractitionerId: string,
    initiatingEncounterId: string,
    consentObtainedOn: string,
  ): this {
    return this.push(
      'NavigationServicesInitiated',
      { initiationId, service, billingPractitionerId, initiatingEncounterId, consentObtainedOn },
      PatientMonthBuilder.noon(consentObtainedOn),
      undefined,
    );
  }

  /** Extension 1.3: navigation minutes of auxiliary personnel under an initiation. */
  navigationTime(
    entryId: string,
    initiationId: string,
    performerId: string,
    startedAt: string,
    minutes: number,
    extra: { voided?: boolean; recordedAt?: string } = {},
  ): this {
    const data: Record<string, unknown> = { entryId, initiationId, performerId, startedAt, minutes };
    if (extra.voided !== undefined) data.voided = extra.voided;
    return this.push('NavigationTimeLogged', data, startedAt, extra.recordedAt);
  }

  claim(
    month: string,
    program: Program,
    billingPractitionerId: string,
    lines: { code: string; units: number }[],
    recordedAt: string,
  ): this {
    return this.push(
      'MonthClaimed',
      { month, program, billingPractitionerId, lines },
      recordedAt,
      recordedAt,
    );
  }

  /** When: the month is determined. */
  determine(
    month: string,
    opts: Partial<Omit<DetermineMonthOptions, 'month'>> & { reference: ReferenceData },
  ): MonthDetermination {
    return determineMonth(this.events, { patientId: this.patientId, month, ...opts });
  }
}

/**
 * A small ICD-10-CM reference for specs: a handful of codes with their CCIR indicators, so that
 * tests state exactly which code is chronic, non-chronic (0), "no determination" (9), missing from
 * the indicator, or missing from the code set (Z29.89 is in the code set only; D84.8 is in the
 * indicator only).
 */
export function testReference(): ReferenceData {
  const indicator = new Map<string, 0 | 1 | 9>([
    ['E119', 1],
    ['E1122', 1],
    ['E1165', 1],
    ['I10', 1],
    ['I5022', 1],
    ['N184', 1],
    ['J449', 1],
    ['F331', 1],
    ['F411', 1],
    ['F4321', 0],
    ['J069', 0],
    ['Z7901', 9],
    // Listed by the indicator, chronic, but not in the FY code set (expanded since): UNKNOWN_ICD10.
    ['D848', 1],
  ]);
  const codeSet = new Set([...indicator.keys(), 'Z2989']);
  codeSet.delete('D848');
  return { codeSet, chronicIndicator: indicator, source: 'test reference' };
}
