import {
  chargeItemOf,
  type FhirSourceEvent,
  patientResources,
  provenanceOf,
  tenantResources,
} from './fhir-resources.mapper';

const actor = { userId: 'u-1', role: 'physician', departmentId: 'primary-care' };
let n = 0;
const ev = (type: string, recordedAt: string, data: Record<string, unknown>): FhirSourceEvent =>
  ({
    type,
    schemaVersion: 1,
    tenantId: 't',
    patientId: 'P1',
    occurredAt: recordedAt,
    recordedAt,
    actor,
    data,
    eventId: `e${++n}`,
  }) as unknown as FhirSourceEvent;

describe('FHIR mapping of a patient stream', () => {
  const events = [
    ev('PatientRegistered', '2025-01-01T00:00:00Z', { organizationId: 'ORG', ehrPatientId: 'MRN-9' }),
    ev('ConditionDiagnosed', '2025-01-02T00:00:00Z', {
      conditionId: 'C1',
      icd10: 'E11.9',
      diagnosedOn: '2025-01-02',
    }),
    ev('ConditionResolved', '2025-02-01T00:00:00Z', { conditionId: 'C1', resolvedOn: '2025-02-01' }),
    ev('ConsentGranted', '2025-01-03T00:00:00Z', {
      consentId: 'CN1',
      program: 'CCM',
      billingPractitionerId: 'DR1',
      method: 'verbal',
      obtainedAt: '2025-01-03T10:00:00-05:00',
      costSharingExplained: true,
    }),
    ev('ConsentRevoked', '2025-03-10T00:00:00Z', { consentId: 'CN1', revokedAt: '2025-03-10T09:00:00Z' }),
    ev('CareTimeLogged', '2025-03-02T00:00:00Z', {
      entryId: 'E1',
      program: 'CCM',
      performerId: 'RN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR1',
      startedAt: '2025-03-01T10:00:00-05:00',
      minutes: 20,
      activity: 'medication review',
    }),
    ev('CareTimeAmended', '2025-03-03T00:00:00Z', { entryId: 'E1', minutes: 25, reason: 'typo' }),
    ev('CareTimeVoided', '2025-03-04T00:00:00Z', { entryId: 'E1', reason: 'wrong patient' }),
  ];
  const out = patientResources('P1', events);
  const current = (type: string, id: string) =>
    out.find((x) => x.current && x.resource.resourceType === type && x.resource.id === id)!
      .resource as never as Record<string, unknown> & { meta: { versionId: string; lastUpdated: string } };

  it('keeps identifiers only on Patient, and a resolved Condition as version 2', () => {
    expect(current('Patient', 'P1')).toMatchObject({
      identifier: [
        { system: 'urn:careledger:patient', value: 'P1' },
        { system: 'urn:careledger:ehr-patient', value: 'MRN-9' },
      ],
    });
    expect(Object.keys(current('Patient', 'P1')).sort()).toEqual(
      ['identifier', 'id', 'managingOrganization', 'meta', 'resourceType'].sort(),
    );
    const c = current('Condition', 'C1');
    expect(c.meta.versionId).toBe('2');
    expect(c.abatementDateTime).toBe('2025-02-01');
    expect(JSON.stringify(c.clinicalStatus)).toContain('"resolved"');
  });

  it('ends a revoked Consent and its EpisodeOfCare at the revocation', () => {
    const consent = current('Consent', 'CN1');
    expect(consent.status).toBe('inactive');
    expect(consent.provision).toMatchObject({
      period: { start: '2025-01-03T15:00:00.000Z', end: '2025-03-10T09:00:00.000Z' },
    });
    expect(current('EpisodeOfCare', 'CN1')).toMatchObject({
      status: 'finished',
      period: { end: '2025-03-10T09:00:00.000Z' },
    });
  });

  it('versions a care-time Encounter per amendment and marks a void entered-in-error', () => {
    const versions = out.filter((x) => x.resource.resourceType === 'Encounter' && x.resource.id === 'E1');
    expect(
      versions.map((v) => [v.resource.meta.versionId, (v.resource as { status: string }).status]),
    ).toEqual([
      ['1', 'finished'],
      ['2', 'finished'],
      ['3', 'entered-in-error'],
    ]);
    expect((versions[1]!.resource as { length: { value: number } }).length.value).toBe(25);
    expect(versions[2]!.resource.meta.lastUpdated).toBe('2025-03-04T00:00:00.000Z');
    const prov = provenanceOf(versions[2]!, new Map(events.map((e) => [e.eventId, e])));
    expect((prov.resource as { target: { reference: string }[] }).target[0]!.reference).toBe(
      'Encounter/E1/_history/3',
    );
    expect(JSON.stringify(prov.resource)).toContain(events[7]!.eventId);
  });

  it('gives a ChargeItem the month as occurrencePeriod and cites the rule and entries', () => {
    const item = chargeItemOf({
      patientId: 'P1',
      month: '2024-02',
      lineNo: 1,
      code: 'G0511',
      units: 1,
      practitionerId: 'DR1',
      program: 'CCM',
      rulesVersion: 'CY2024',
      rule: 'rhc',
      entryIds: ['E1'],
      lastUpdated: '2024-02-10T00:00:00Z',
      eventIds: ['e1'],
    }).resource as never as Record<string, unknown>;
    expect(item).toMatchObject({
      occurrencePeriod: { start: '2024-02-01', end: '2024-02-29' },
      code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.285', code: 'G0511' }] },
      supportingInformation: [{ identifier: { value: 'CY2024#rhc' } }, { reference: 'Encounter/E1' }],
    });
  });

  it('carries what the import reads: consent method, attestation and billing practitioner; care-time role', () => {
    expect(current('Consent', 'CN1')).toMatchObject({
      category: [
        { coding: [{ system: 'http://loinc.org' }] },
        { coding: [{ system: 'urn:careledger:consent-method', code: 'verbal' }] },
        { coding: [{ system: 'urn:careledger:consent-attestation', code: 'cost-sharing-explained' }] },
      ],
      provision: { actor: [{ reference: { reference: 'Practitioner/DR1' } }] },
    });
    expect(current('Encounter', 'E1')).toMatchObject({
      type: [{ text: 'medication review' }],
      extension: [
        {
          url: 'urn:careledger:performer-role',
          valueCoding: { system: 'urn:careledger:performer-role', code: 'clinical_staff' },
        },
      ],
    });
  });
});

describe('FHIR mapping of visit services and the tenant stream (ADR 1119)', () => {
  it('puts psychotherapy recorded before its visit into the visit Encounter, with the programs discussed', () => {
    const out = patientResources('P1', [
      ev('PatientRegistered', '2025-01-01T00:00:00Z', { organizationId: 'ORG' }),
      ev('PsychotherapyProvided', '2025-03-08T10:00:00Z', {
        encounterId: 'V2',
        practitionerId: 'PSY',
        on: '2025-03-08',
        minutes: 25,
        withEM: true,
      }),
      ev('EncounterCompleted', '2025-03-08T12:00:00Z', {
        encounterId: 'V2',
        kind: 'em_office',
        practitionerId: 'PSY',
        on: '2025-03-08',
        programsDiscussed: ['BHI'],
      }),
      ev('PharmacologicManagementProvided', '2025-03-08T13:00:00Z', {
        encounterId: 'V2',
        practitionerId: 'PSY',
        on: '2025-03-08',
      }),
    ]);
    const visit = out.filter((x) => x.resource.id === 'V2');
    expect(visit.map((v) => [v.resource.meta.versionId, v.current])).toEqual([
      ['1', false],
      ['2', true],
    ]);
    expect(visit[1]!.resource).toMatchObject({
      reasonCode: [{ coding: [{ system: 'urn:careledger:program', code: 'BHI' }] }],
      extension: [
        {
          url: 'urn:careledger:psychotherapy',
          extension: [
            { url: 'practitioner', valueReference: { reference: 'Practitioner/PSY' } },
            { url: 'minutes', valueInteger: 25 },
            { url: 'withEM', valueBoolean: true },
          ],
        },
        { url: 'urn:careledger:pharmacologic-management' },
      ],
    });
    expect(visit[1]!.eventIds).toHaveLength(3);
  });

  it('exports an Organization with kind and timezone, and a Practitioner with its PractitionerRole', () => {
    const tenant = (type: string, data: Record<string, unknown>) =>
      ({ ...ev(type, '2025-01-01T00:00:00Z', data), patientId: undefined }) as FhirSourceEvent;
    const out = tenantResources([
      tenant('OrganizationRegistered', {
        organizationId: 'ORG-A',
        name: 'Synthetic Clinic',
        timezone: 'America/Chicago',
        kind: 'rhc',
      }),
      tenant('PractitionerRegistered', {
        practitionerId: 'DR-1',
        organizationId: 'ORG-A',
        credential: 'NP',
        role: 'qhp',
        canBillEM: true,
        npi: '1234567893',
      }),
    ]).map((x) => x.resource);
    expect(out.map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      'Organization/ORG-A',
      'Practitioner/DR-1',
      'PractitionerRole/DR-1',
    ]);
    expect(out[0]).toMatchObject({
      type: [{ coding: [{ system: 'urn:careledger:organization-kind', code: 'rhc' }] }],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/timezone', valueCode: 'America/Chicago' }],
    });
    expect(out[1]).toMatchObject({
      identifier: [
        { system: 'urn:careledger:practitioner', value: 'DR-1' },
        { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' },
      ],
      qualification: [{ code: { coding: [{ code: 'NP' }] } }],
    });
    expect(out[2]).toMatchObject({
      practitioner: { reference: 'Practitioner/DR-1' },
      organization: { reference: 'Organization/ORG-A' },
      code: [{ coding: [{ system: 'urn:careledger:practitioner-role', code: 'qhp' }] }],
    });
  });

  it('dates every CarePlan version by its establishment (created) and keeps a consent episode start', () => {
    const out = patientResources('P1', [
      ev('PatientRegistered', '2025-01-01T00:00:00Z', { organizationId: 'ORG' }),
      ev('ConsentGranted', '2025-01-03T00:00:00Z', {
        consentId: 'CN1',
        program: 'CoCM',
        billingPractitionerId: 'DR1',
        method: 'written',
        obtainedAt: '2025-01-03T10:00:00-05:00',
        costSharingExplained: false,
        episodeStartedOn: '2024-12-07',
      }),
      ev('CarePlanEstablished', '2025-01-04T00:00:00Z', {
        carePlanId: 'CP1',
        program: 'CoCM',
        kind: 'comprehensive',
        establishedOn: '2025-01-04',
        authorId: 'DR1',
        problems: ['a'],
        goals: ['b'],
        interventions: ['c'],
        sharedWithPatient: true,
      }),
      ev('CarePlanRevised', '2025-03-28T00:00:00Z', {
        carePlanId: 'CP1',
        revisedOn: '2025-03-28',
        authorId: 'DR1',
        changes: { goals: ['d'] },
        substantial: false,
      }),
    ]);
    const plans = out.filter((x) => x.resource.resourceType === 'CarePlan').map((x) => x.resource);
    expect(
      plans.map((p) => [
        (p as { created: string }).created,
        (p as { period: { start: string } }).period.start,
      ]),
    ).toEqual([
      ['2025-01-04', '2025-01-04'],
      ['2025-01-04', '2025-03-28'],
    ]);
    const consent = out.find((x) => x.current && x.resource.resourceType === 'Consent')!.resource;
    expect(consent).toMatchObject({
      extension: [{ url: 'urn:careledger:episode-started-on', valueDate: '2024-12-07' }],
    });
    expect(JSON.stringify(consent)).not.toContain('consent-attestation');
  });
});
