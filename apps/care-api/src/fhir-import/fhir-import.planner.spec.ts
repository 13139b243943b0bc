import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContractEvent } from '@careledger/domain';
import { ProblemError } from '@careledger/http';
import { Specification } from '@careledger/testing/specification/given-when-then';
import { ACTOR, NOW, TENANT } from '../commands/testing/given-events';
import { parseTransactionBundle, validNpi } from './fhir-bundle.parser';
import { keyOf, planImport } from './fhir-import.planner';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const EXAMPLE = path.join(__dirname, '../../../../test/fixtures/fhir-import/ehr-transaction.bundle.json');
const example = (): Json => JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as Json;

/** given stored events, when a Bundle is planned, then the events it appends (type and data). */
const spec = Specification.for((given: readonly ContractEvent[], bundle: Json) => {
  const parsed = parseTransactionBundle(bundle);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const ids = new Map<string, string>();
  for (const e of parsed.entries) {
    if (e.type !== 'PractitionerRole')
      ids.set(keyOf(e.key), e.type === 'Patient' ? 'P01' : `${e.type.toLowerCase()}-${e.index}`);
  }
  const histories = new Map<string, ContractEvent[]>([
    [TENANT, given.filter((e) => e.patientId === undefined)],
    [`${TENANT}:P01`, given.filter((e) => e.patientId === 'P01')],
  ]);
  const plan = planImport(parsed.entries, {
    tenantId: TENANT,
    now: NOW,
    actorFor: () => ACTOR,
    ids,
    histories,
  });
  return plan.appends.flatMap((a) => a.events);
});
const typesAndData = (events: readonly ContractEvent[]) =>
  events.map((e) => ({ type: e.type, data: e.data }));

/** The events of a first import of the example (the "given" of the re-import cases). */
function imported(): ContractEvent[] {
  let out: ContractEvent[] = [];
  spec()
    .when(example())
    .then((events) => (out = events));
  return out;
}

describe('FHIR transaction planner (pure; ADR 1113)', () => {
  it('given nothing, when the example, then the contract events of every entry', () => {
    spec()
      .when(example())
      .then((events) =>
        expect(typesAndData(events)).toEqual([
          {
            type: 'OrganizationRegistered',
            data: {
              organizationId: 'organization-0',
              name: 'Synthetic Family Practice',
              timezone: 'America/New_York',
              kind: 'practice',
            },
          },
          {
            type: 'PractitionerRegistered',
            data: {
              practitionerId: 'practitioner-1',
              organizationId: 'organization-0',
              credential: 'MD',
              role: 'physician',
              canBillEM: true,
            },
          },
          {
            type: 'PatientRegistered',
            data: { organizationId: 'organization-0', ehrPatientId: 'MRN-000123' },
          },
          {
            type: 'ConditionDiagnosed',
            data: { conditionId: 'condition-4', icd10: 'E11.9', diagnosedOn: '2024-06-10' },
          },
          {
            type: 'ConditionDiagnosed',
            data: { conditionId: 'condition-5', icd10: 'I10', diagnosedOn: '2023-11-02' },
          },
          {
            type: 'EncounterCompleted',
            data: {
              encounterId: 'encounter-6',
              kind: 'em_office',
              practitionerId: 'practitioner-1',
              on: '2025-02-20',
            },
          },
          {
            type: 'ConsentGranted',
            data: {
              consentId: 'consent-7',
              program: 'CCM',
              billingPractitionerId: 'practitioner-1',
              method: 'verbal',
              obtainedAt: '2025-03-01T09:00:00-05:00',
              costSharingExplained: true,
            },
          },
          {
            type: 'CarePlanEstablished',
            data: {
              carePlanId: 'careplan-8',
              program: 'CCM',
              kind: 'comprehensive',
              establishedOn: '2025-03-01',
              authorId: 'practitioner-1',
              problems: ['E11.9', 'I10'],
              goals: ['HbA1c below 7.5'],
              interventions: ['monthly medication review'],
              sharedWithPatient: true,
            },
          },
        ]),
      );
  });

  it('given the example imported, when the same Bundle, then nothing', () => {
    spec(imported()).when(example()).then([]);
  });

  it('given the example imported, when the condition is resolved and the consent revoked, then only those events', () => {
    const next = example();
    next.entry[4].resource.clinicalStatus.coding[0].code = 'resolved';
    next.entry[4].resource.abatementDateTime = '2025-03-10';
    next.entry[7].resource.status = 'inactive';
    next.entry[7].resource.provision.period.end = '2025-03-20T10:00:00-04:00';
    spec(imported())
      .when(next)
      .then((events) =>
        expect(typesAndData(events)).toEqual([
          { type: 'ConditionResolved', data: { conditionId: 'condition-4', resolvedOn: '2025-03-10' } },
          {
            type: 'ConsentRevoked',
            data: { consentId: 'consent-7', revokedAt: '2025-03-20T10:00:00-04:00' },
          },
        ]),
      );
  });

  it('given the example imported, when a condition changes its onset, then a 409 names the entry', () => {
    const changed = example();
    changed.entry[5].resource.onsetDateTime = '2023-12-01';
    spec(imported())
      .when(changed)
      .thenThrows(
        ProblemError,
        (e: ProblemError) => e.status === 409 && e.errors[0]?.field === 'Bundle.entry[5].resource',
      );
  });

  it('given the example imported, when the care plan has other goals, then CarePlanRevised; again, then nothing', () => {
    const next = example();
    const plan = next.entry[8].resource;
    plan.note[2].text = 'Goal: HbA1c below 7.0';
    plan.meta.lastUpdated = '2025-04-02T10:00:00-04:00';
    plan.category.push({
      coding: [{ system: 'urn:careledger:care-plan-attestation', code: 'substantial-revision' }],
    });
    let revised: ContractEvent[] = [];
    spec(imported())
      .when(next)
      .then((events) => {
        revised = events;
        expect(typesAndData(events)).toEqual([
          {
            type: 'CarePlanRevised',
            data: {
              carePlanId: 'careplan-8',
              revisedOn: '2025-04-02',
              authorId: 'practitioner-1',
              changes: { goals: ['HbA1c below 7.0'] },
              substantial: true,
            },
          },
        ]);
      });
    spec(imported(), revised).when(next).then([]);
    delete plan.meta.lastUpdated;
    spec(imported())
      .when(next)
      .thenThrows(
        ProblemError,
        (e: ProblemError) => e.errors[0]?.field === 'Bundle.entry[8].resource.meta.lastUpdated',
      );
  });

  it('derives canBillEM from the role and credential: an LCSW qhp may not bill E/M, an NP may', () => {
    for (const [credential, canBillEM] of [
      ['LCSW', false],
      ['NP', true],
    ] as const) {
      const b = example();
      b.entry[1].resource.qualification[0].code.coding[0].code = credential;
      b.entry[2].resource.code[0].coding[0].code = 'qhp';
      spec()
        .when(b)
        .then((events) => expect(events[1]!.data).toMatchObject({ credential, canBillEM }));
    }
  });

  it('keeps the MRN as ehrPatientId, never a social security number listed before it', () => {
    const b = example();
    b.entry[3].resource.identifier.unshift({
      system: 'http://hl7.org/fhir/sid/us-ssn',
      value: '999-00-0000',
    });
    spec()
      .when(b)
      .then((events) =>
        expect(events.find((e) => e.type === 'PatientRegistered')!.data).toEqual({
          organizationId: 'organization-0',
          ehrPatientId: 'MRN-000123',
        }),
      );
  });

  it('checks the NPI check digit (CMS: Luhn over 80840 + NPI)', () => {
    expect(['1234567893', '9876543213', '1112223338'].map(validNpi)).toEqual([true, true, true]);
    expect(['1234567890', '123456789', 'abcdefghij'].map(validNpi)).toEqual([false, false, false]);
  });

  it('names one bad element per entry, for every bad entry', () => {
    const b = example();
    b.entry[4].resource.onsetDateTime = 'yesterday';
    b.entry[6].resource.status = 'planned';
    expect(parseTransactionBundle(b)).toEqual({
      ok: false,
      issues: [
        { expression: 'Bundle.entry[4].resource.onsetDateTime', message: expect.any(String) },
        { expression: 'Bundle.entry[6].resource.status', message: expect.any(String) },
      ],
    });
  });

  /** The example plus a care-time Encounter and a visit with psychotherapy (the export's shapes, ADR 1119). */
  function withCareTimeAndServices(): Json {
    const b = example();
    const dr = b.entry[1].fullUrl as string;
    const patient = b.entry[3].fullUrl as string;
    const participant = (code: string) => ({
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }] }],
      individual: { reference: dr },
    });
    b.entry.push(
      {
        fullUrl: 'urn:uuid:0b7a3a52-2f7e-4c1e-9d54-0000000000e1',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
          type: [
            {
              coding: [{ system: 'urn:careledger:care-activity', code: 'review' }],
              text: 'medication review',
            },
          ],
          serviceType: { coding: [{ system: 'urn:careledger:program', code: 'CCM' }] },
          extension: [
            {
              url: 'urn:careledger:performer-role',
              valueCoding: { system: 'urn:careledger:performer-role', code: 'physician' },
            },
          ],
          subject: { reference: patient },
          participant: [participant('PPRF'), participant('ATND')],
          period: { start: '2025-03-03T15:00:00.000Z', end: '2025-03-03T15:22:00.000Z' },
          length: { value: 22, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      {
        fullUrl: 'urn:uuid:0b7a3a52-2f7e-4c1e-9d54-0000000000e2',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          type: [{ coding: [{ system: 'urn:careledger:encounter-kind', code: 'em_office' }] }],
          reasonCode: [{ coding: [{ system: 'urn:careledger:program', code: 'CCM' }] }],
          extension: [
            {
              url: 'urn:careledger:psychotherapy',
              extension: [
                { url: 'practitioner', valueReference: { reference: dr } },
                { url: 'minutes', valueInteger: 38 },
                { url: 'withEM', valueBoolean: true },
              ],
            },
          ],
          subject: { reference: patient },
          participant: [{ individual: { reference: dr } }],
          period: { start: '2025-03-04', end: '2025-03-04' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
    );
    return b;
  }

  it('given nothing, when care time and a visit with psychotherapy, then CareTimeLogged and PsychotherapyProvided', () => {
    const b = withCareTimeAndServices();
    spec()
      .when(b)
      .then((events) => {
        const data = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
        expect(data('CareTimeLogged')).toEqual([
          {
            entryId: `encounter-${b.entry.length - 2}`,
            program: 'CCM',
            performerId: 'practitioner-1',
            performerRole: 'physician',
            billingPractitionerId: 'practitioner-1',
            startedAt: '2025-03-03T15:00:00.000Z',
            minutes: 22,
            activity: 'medication review',
          },
        ]);
        expect(data('PsychotherapyProvided')).toEqual([
          {
            encounterId: `encounter-${b.entry.length - 1}`,
            practitionerId: 'practitioner-1',
            on: '2025-03-04',
            minutes: 38,
            withEM: true,
          },
        ]);
        expect(data('EncounterCompleted').at(-1)).toMatchObject({ programsDiscussed: ['CCM'] });
      });
  });

  it('given the import, when the same care time again, then nothing new', () => {
    let first: ContractEvent[] = [];
    spec()
      .when(withCareTimeAndServices())
      .then((events) => (first = events));
    spec(first)
      .when(withCareTimeAndServices())
      .then((events) => expect(events).toEqual([]));
  });

  it('names the bad element of a care-time Encounter', () => {
    const b = withCareTimeAndServices();
    const at = b.entry.length - 2;
    b.entry[at].resource.length.value = 0;
    b.entry[at + 1].resource.extension[0].extension[1].valueInteger = 'long';
    expect(parseTransactionBundle(b)).toEqual({
      ok: false,
      issues: [
        { expression: `Bundle.entry[${at}].resource.length.value`, message: expect.any(String) },
        {
          expression: `Bundle.entry[${at + 1}].resource.extension[0].extension[1].valueInteger`,
          message: expect.any(String),
        },
      ],
    });
  });

  it("given nothing, when a CarePlan with created and a Consent with an episode start, then they are the plan's and episode's start", () => {
    const b = example();
    b.entry[8].resource.created = '2025-02-20';
    b.entry[8].resource.period.start = '2025-03-28';
    b.entry[7].resource.extension = [{ url: 'urn:careledger:episode-started-on', valueDate: '2025-02-15' }];
    spec()
      .when(b)
      .then((events) => {
        expect(events.find((e) => e.type === 'CarePlanEstablished')!.data).toMatchObject({
          establishedOn: '2025-02-20',
        });
        expect(events.find((e) => e.type === 'ConsentGranted')!.data).toMatchObject({
          episodeStartedOn: '2025-02-15',
        });
      });
  });
});
