import type {
  CarePlan,
  ChargeItem,
  Condition,
  Consent,
  Encounter,
  EpisodeOfCare,
  Extension,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Provenance,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { ContractEvent } from '@careledger/domain';
import { carePlanVersionRows } from '@careledger/read-models';

/** An event as query-api reads it from `projected_events` (envelope + platform metadata). */
export type FhirSourceEvent = ContractEvent & { eventId: string };

/** A stored billing line (`billing_lines`) as the ChargeItem export needs it. */
export interface FhirBillingLine {
  patientId: string;
  month: string;
  lineNo: number;
  code: string;
  units: number;
  practitionerId: string;
  program: string;
  rulesVersion: string;
  rule: string;
  entryIds: string[];
  /** Recording time of the newest event behind the line (meta.lastUpdated). */
  lastUpdated: string;
  /** Ids of the events behind the line (the time entries' events), for Provenance. */
  eventIds: string[];
}

/** One exported resource version and the events it was derived from. */
export interface FhirExported {
  resource: Resource & { id: string; meta: { versionId: string; lastUpdated: string } };
  /** First and last day (or instant) the resource is about, for `date` search; null when timeless. */
  period: { start: string; end: string } | null;
  eventIds: string[];
  /** False for an older version (only `_history` shows it). */
  current: boolean;
}

/** Identifier systems of CareLedger's ids (ADR 1110). */
export const SYSTEMS = {
  patient: 'urn:careledger:patient',
  ehrPatient: 'urn:careledger:ehr-patient',
  event: 'urn:careledger:event',
  user: 'urn:careledger:user',
  rule: 'urn:careledger:rule',
  program: 'urn:careledger:program',
  activity: 'urn:careledger:care-activity',
  organization: 'urn:careledger:organization',
  organizationKind: 'urn:careledger:organization-kind',
  practitioner: 'urn:careledger:practitioner',
  practitionerRole: 'urn:careledger:practitioner-role',
  consentMethod: 'urn:careledger:consent-method',
  consentAttestation: 'urn:careledger:consent-attestation',
  carePlanKind: 'urn:careledger:care-plan-kind',
  carePlanAttestation: 'urn:careledger:care-plan-attestation',
  performerRole: 'urn:careledger:performer-role',
  careSetting: 'urn:careledger:care-setting',
  separatelyBilledAs: 'urn:careledger:separately-billed-as',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  credential: 'http://terminology.hl7.org/CodeSystem/v2-0360',
  timezone: 'http://hl7.org/fhir/StructureDefinition/timezone',
  psychotherapy: 'urn:careledger:psychotherapy',
  episodeStartedOn: 'urn:careledger:episode-started-on',
  pharmacologicManagement: 'urn:careledger:pharmacologic-management',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'urn:oid:2.16.840.1.113883.6.285',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  ucum: 'http://unitsofmeasure.org',
} as const;

/** A literal reference; its target type comes from where it is used. */
const ref = <T extends Resource>(type: T['resourceType'], id: string): Reference<T> => ({
  reference: `${type}/${id}`,
});
const dateOf = (instant: string): string => instant.slice(0, 10);
const addMinutes = (instant: string, minutes: number): string =>
  new Date(Date.parse(instant) + minutes * 60_000).toISOString();

interface Acc {
  out: FhirExported[];
  versions: Map<string, number>;
}

function emit(
  acc: Acc,
  resource: Resource & { id: string },
  events: readonly FhirSourceEvent[],
  period: FhirExported['period'],
): void {
  const key = `${resource.resourceType}/${resource.id}`;
  const version = (acc.versions.get(key) ?? 0) + 1;
  acc.versions.set(key, version);
  for (const prev of acc.out)
    if (`${prev.resource.resourceType}/${prev.resource.id}` === key) prev.current = false;
  const lastUpdated = events
    .map((e) => e.recordedAt)
    .sort()
    .at(-1)!;
  acc.out.push({
    resource: {
      ...resource,
      meta: { versionId: String(version), lastUpdated: new Date(lastUpdated).toISOString() },
    },
    period,
    eventIds: events.map((e) => e.eventId),
    current: true,
  });
}

/**
 * The FHIR R4 resources of one patient's events, every version of each (ADR 1110): Patient
 * (identifiers only), Condition, Encounter (visits, and each care-time entry with `length`),
 * EpisodeOfCare and Consent per program consent, CarePlan per care-plan version. Pure: the same
 * events give the same resources, so a replay exports what the live system exported.
 */
export function patientResources(patientId: string, events: readonly FhirSourceEvent[]): FhirExported[] {
  const acc: Acc = { out: [], versions: new Map() };
  const subject: Reference<Patient> = ref('Patient', patientId);
  const conditions = new Map<string, { resource: Condition; events: FhirSourceEvent[]; start: string }>();
  const consents = new Map<
    string,
    { data: Extract<ContractEvent, { type: 'ConsentGranted' }>['data']; events: FhirSourceEvent[] }
  >();
  const entries = new Map<
    string,
    {
      data: Extract<ContractEvent, { type: 'CareTimeLogged' }>['data'];
      events: FhirSourceEvent[];
      voided: boolean;
    }
  >();
  const visits: Visits = { byId: new Map(), pending: new Map() };
  for (const e of events) {
    if (e.patientId !== patientId) continue;
    switch (e.type) {
      case 'PatientRegistered': {
        const p: Patient = {
          resourceType: 'Patient',
          id: patientId,
          identifier: [
            { system: SYSTEMS.patient, value: patientId },
            ...(e.data.ehrPatientId ? [{ system: SYSTEMS.ehrPatient, value: e.data.ehrPatientId }] : []),
          ],
          managingOrganization: ref('Organization', e.data.organizationId),
        };
        emit(acc, p as Patient & { id: string }, [e], null);
        break;
      }
      case 'ConditionDiagnosed': {
        const c: Condition = {
          resourceType: 'Condition',
          id: e.data.conditionId,
          clinicalStatus: clinical('active'),
          verificationStatus: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' },
            ],
          },
          code: { coding: [{ system: SYSTEMS.icd10cm, code: e.data.icd10 }] },
          subject,
          onsetDateTime: e.data.diagnosedOn,
          recordedDate: e.recordedAt,
        };
        conditions.set(e.data.conditionId, { resource: c, events: [e], start: e.data.diagnosedOn });
        emit(acc, c as Condition & { id: string }, [e], { start: e.data.diagnosedOn, end: '9999-12-31' });
        break;
      }
      case 'ConditionResolved': {
        const c = conditions.get(e.data.conditionId);
        if (!c) break;
        c.events.push(e);
        c.resource = {
          ...c.resource,
          clinicalStatus: clinical('resolved'),
          abatementDateTime: e.data.resolvedOn,
        };
        emit(acc, c.resource as Condition & { id: string }, c.events, {
          start: c.start,
          end: e.data.resolvedOn,
        });
        break;
      }
      case 'EncounterCompleted':
        emitVisit(acc, subject, visits, e);
        break;
      case 'PsychotherapyProvided':
      case 'PharmacologicManagementProvided':
        emitVisitService(acc, visits, e);
        break;
      case 'ConsentGranted':
        consents.set(e.data.consentId, { data: e.data, events: [e] });
        emitConsent(acc, patientId, e.data, [e], null);
        break;
      case 'ConsentRevoked': {
        const c = consents.get(e.data.consentId);
        if (!c) break;
        c.events.push(e);
        emitConsent(acc, patientId, c.data, c.events, e.data.revokedAt);
        break;
      }
      case 'CareTimeLogged':
        entries.set(e.data.entryId, { data: { ...e.data }, events: [e], voided: false });
        emitCareTime(acc, patientId, entries.get(e.data.entryId)!);
        break;
      case 'CareTimeAmended': {
        const t = entries.get(e.data.entryId);
        if (!t) break;
        const { entryId: _id, reason: _reason, ...changes } = e.data;
        t.data = {
          ...t.data,
          ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
        };
        t.events.push(e);
        emitCareTime(acc, patientId, t);
        break;
      }
      case 'CareTimeVoided': {
        const t = entries.get(e.data.entryId);
        if (!t) break;
        t.voided = true;
        t.events.push(e);
        emitCareTime(acc, patientId, t);
        break;
      }
      default:
        break;
    }
  }
  emitCarePlans(acc, patientId, events);
  return acc.out;
}

/** Psychotherapy (minutes, with E/M) or pharmacologic management at a visit, as an extension (ADR 1119). */
/** The visits of a patient so far, and services recorded before their visit (by encounter id). */
interface Visits {
  byId: Map<string, { resource: Encounter; events: FhirSourceEvent[] }>;
  pending: Map<string, VisitServiceEvent[]>;
}

/** A visit (EncounterCompleted) as an Encounter; services recorded before it are in its first version. */
function emitVisit(
  acc: Acc,
  subject: Reference<Patient>,
  visits: Visits,
  e: Extract<FhirSourceEvent, { type: 'EncounterCompleted' }>,
): void {
  const enc: Encounter = {
    resourceType: 'Encounter',
    id: e.data.encounterId,
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: 'AMB', display: 'ambulatory' },
    type: [{ coding: [{ system: 'urn:careledger:encounter-kind', code: e.data.kind }] }],
    subject,
    participant: [{ individual: ref('Practitioner', e.data.practitionerId) }],
    period: { start: e.data.on, end: e.data.on },
    // The programs discussed at the visit (what makes it an initiating visit).
    ...(e.data.programsDiscussed?.length
      ? {
          reasonCode: [
            { coding: e.data.programsDiscussed.map((code) => ({ system: SYSTEMS.program, code })) },
          ],
        }
      : {}),
  };
  const early = visits.pending.get(e.data.encounterId) ?? [];
  visits.pending.delete(e.data.encounterId);
  const visit = {
    resource: early.length > 0 ? { ...enc, extension: early.map(visitServiceExtension) } : enc,
    events: [e, ...early],
  };
  visits.byId.set(e.data.encounterId, visit);
  emit(acc, visit.resource as Encounter & { id: string }, visit.events, { start: e.data.on, end: e.data.on });
}

/** A service at a visit (add-ons 90833-90838, 90863): a new version of the visit's Encounter. */
function emitVisitService(acc: Acc, visits: Visits, e: VisitServiceEvent): void {
  const v = visits.byId.get(e.data.encounterId);
  if (!v) {
    visits.pending.set(e.data.encounterId, [...(visits.pending.get(e.data.encounterId) ?? []), e]);
    return;
  }
  v.events.push(e);
  v.resource = { ...v.resource, extension: [...(v.resource.extension ?? []), visitServiceExtension(e)] };
  const on = v.resource.period!.start!;
  emit(acc, v.resource as Encounter & { id: string }, v.events, { start: on, end: on });
}

type VisitServiceEvent = Extract<
  FhirSourceEvent,
  { type: 'PsychotherapyProvided' | 'PharmacologicManagementProvided' }
>;

function visitServiceExtension(e: VisitServiceEvent): Extension {
  const practitioner = { url: 'practitioner', valueReference: ref('Practitioner', e.data.practitionerId) };
  if (e.type === 'PharmacologicManagementProvided')
    return { url: SYSTEMS.pharmacologicManagement, extension: [practitioner] };
  return {
    url: SYSTEMS.psychotherapy,
    extension: [
      practitioner,
      { url: 'minutes', valueInteger: e.data.minutes },
      { url: 'withEM', valueBoolean: e.data.withEM },
    ],
  };
}

function clinical(code: 'active' | 'resolved'): Condition['clinicalStatus'] {
  return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code }] };
}

function emitConsent(
  acc: Acc,
  patientId: string,
  d: Extract<ContractEvent, { type: 'ConsentGranted' }>['data'],
  events: FhirSourceEvent[],
  revokedAt: string | null,
): void {
  const end = revokedAt ? new Date(revokedAt).toISOString() : undefined;
  const start = new Date(d.obtainedAt).toISOString();
  const consent: Consent = {
    resourceType: 'Consent',
    id: d.consentId,
    // The CoCM episode's start (initial vs subsequent months) when it is not the consent's date.
    ...(d.episodeStartedOn
      ? { extension: [{ url: SYSTEMS.episodeStartedOn, valueDate: d.episodeStartedOn }] }
      : {}),
    status: revokedAt ? 'inactive' : 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [
      { coding: [{ system: 'http://loinc.org', code: '59284-0' }] },
      { coding: [{ system: SYSTEMS.consentMethod, code: d.method }] },
      ...(d.costSharingExplained
        ? [{ coding: [{ system: SYSTEMS.consentAttestation, code: 'cost-sharing-explained' }] }]
        : []),
    ],
    patient: ref('Patient', patientId),
    dateTime: start,
    performer: [ref('Patient', patientId)],
    policyRule: { coding: [{ system: SYSTEMS.actCode, code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: { start, ...(end ? { end } : {}) },
      actor: [
        {
          role: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF' }],
          },
          reference: ref('Practitioner', d.billingPractitionerId),
        },
      ],
      code: [{ coding: [{ system: SYSTEMS.program, code: d.program }] }],
    },
  };
  const period = { start: dateOf(start), end: end ? dateOf(end) : '9999-12-31' };
  emit(acc, consent as Consent & { id: string }, events, period);
  const episode: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    id: d.consentId,
    status: revokedAt ? 'finished' : 'active',
    type: [{ coding: [{ system: SYSTEMS.program, code: d.program }] }],
    patient: ref('Patient', patientId),
    careManager: ref('Practitioner', d.billingPractitionerId),
    period: { start: d.episodeStartedOn ?? dateOf(start), ...(end ? { end } : {}) },
  };
  emit(acc, episode as EpisodeOfCare & { id: string }, events, { ...period, start: episode.period!.start! });
}

function emitCareTime(
  acc: Acc,
  patientId: string,
  t: {
    data: Extract<ContractEvent, { type: 'CareTimeLogged' }>['data'];
    events: FhirSourceEvent[];
    voided: boolean;
  },
): void {
  const start = new Date(t.data.startedAt).toISOString();
  const end = addMinutes(start, t.data.minutes);
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: t.data.entryId,
    status: t.voided ? 'entered-in-error' : 'finished',
    class: { system: SYSTEMS.actCode, code: 'VR', display: 'virtual' },
    type: [
      {
        coding: [
          { system: SYSTEMS.activity, code: t.data.activity.replace(/\s+/g, '_').slice(0, 64) || 'care' },
        ],
        text: t.data.activity,
      },
    ],
    serviceType: { coding: [{ system: SYSTEMS.program, code: t.data.program }] },
    extension: careTimeExtensions(t.data),
    subject: ref('Patient', patientId),
    participant: [
      {
        type: [
          {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF' }],
          },
        ],
        individual: ref('Practitioner', t.data.performerId),
      },
      {
        type: [
          {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND' }],
          },
        ],
        individual: ref('Practitioner', t.data.billingPractitionerId),
      },
    ],
    period: { start, end },
    length: { value: t.data.minutes, unit: 'min', system: SYSTEMS.ucum, code: 'min' },
  };
  emit(acc, encounter as Encounter & { id: string }, t.events, { start: dateOf(start), end: dateOf(end) });
}

/** The care-time facts FHIR has no element for, as `urn:careledger:` coded extensions (ADR 1119). */
function careTimeExtensions(d: Extract<ContractEvent, { type: 'CareTimeLogged' }>['data']): Extension[] {
  const coded = (url: string, code: string | undefined): Extension[] =>
    code === undefined ? [] : [{ url, valueCoding: { system: url, code } }];
  return [
    ...coded(SYSTEMS.performerRole, d.performerRole),
    ...coded(SYSTEMS.careSetting, d.careSetting),
    ...coded(SYSTEMS.separatelyBilledAs, d.separatelyBilledAs),
  ];
}

function emitCarePlans(acc: Acc, patientId: string, events: readonly FhirSourceEvent[]): void {
  const own = events.filter((e) => e.patientId === patientId);
  const byId = new Map(own.map((e) => [e.eventId, e]));
  const rows = carePlanVersionRows(own[0]?.tenantId ?? '', patientId, own);
  const establishedOn = new Map<string, string>();
  for (const row of rows) {
    const source = byId.get(row.event_id)!;
    if (!establishedOn.has(row.care_plan_id)) establishedOn.set(row.care_plan_id, row.effective_from);
    const plan: CarePlan = {
      resourceType: 'CarePlan',
      id: row.care_plan_id,
      status: row.effective_to ? 'revoked' : 'active',
      intent: 'plan',
      category: [
        { coding: [{ system: SYSTEMS.program, code: row.program }] },
        { coding: [{ system: SYSTEMS.carePlanKind, code: row.kind }] },
        ...(row.shared_with_patient
          ? [{ coding: [{ system: SYSTEMS.carePlanAttestation, code: 'shared-with-patient' }] }]
          : []),
      ],
      subject: ref('Patient', patientId),
      period: { start: row.effective_from, ...(row.effective_to ? { end: row.effective_to } : {}) },
      // The plan's establishment date on every version (the period is the version's).
      created: establishedOn.get(row.care_plan_id)!,
      author: ref('Practitioner', row.author_id),
      note: [
        ...row.content.problems.map((p) => ({ text: `Problem: ${p}` })),
        ...row.content.goals.map((g) => ({ text: `Goal: ${g}` })),
        ...row.content.interventions.map((i) => ({ text: `Intervention: ${i}` })),
      ],
    };
    emit(acc, plan as CarePlan & { id: string }, [source], {
      start: row.effective_from,
      end: row.effective_to ?? '9999-12-31',
    });
  }
}

/** A billing line as a ChargeItem (ADR 1110): code, quantity, performer, month, rule and entries. */
export function chargeItemOf(line: FhirBillingLine): FhirExported {
  const [y, m] = line.month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const item: ChargeItem & { id: string } = {
    resourceType: 'ChargeItem',
    id: `${line.patientId}.${line.month}.${line.lineNo}`,
    status: 'billable',
    code: { coding: [{ system: /^\d/.test(line.code) ? SYSTEMS.cpt : SYSTEMS.hcpcs, code: line.code }] },
    subject: ref('Patient', line.patientId),
    occurrencePeriod: { start: `${line.month}-01`, end: last },
    performer: [{ actor: ref('Practitioner', line.practitionerId) }],
    quantity: { value: line.units },
    supportingInformation: [
      {
        identifier: { system: SYSTEMS.rule, value: `${line.rulesVersion}#${line.rule}` },
        display: `rule ${line.rule}`,
      },
      ...line.entryIds.map((id) => ref('Encounter', id)),
    ],
  };
  return {
    resource: { ...item, meta: { versionId: '1', lastUpdated: new Date(line.lastUpdated).toISOString() } },
    period: { start: `${line.month}-01`, end: last },
    eventIds: line.eventIds,
    current: true,
  };
}

/** The Provenance of an exported resource version: its target and the events behind it. */
export function provenanceOf(x: FhirExported, events: ReadonlyMap<string, FhirSourceEvent>): FhirExported {
  const { resourceType, id, meta } = x.resource;
  const agents = [
    ...new Set(x.eventIds.map((e) => events.get(e)?.actor.userId).filter((u): u is string => !!u)),
  ];
  const provenance: Provenance & { id: string } = {
    resourceType: 'Provenance',
    id: `${resourceType}.${id}.${meta.versionId}`.slice(0, 64),
    target: [{ reference: `${resourceType}/${id}/_history/${meta.versionId}` }],
    recorded: meta.lastUpdated,
    agent: (agents.length > 0 ? agents : ['careledger']).map((u) => ({
      who: { identifier: { system: SYSTEMS.user, value: u } },
    })),
    entity: x.eventIds.map((e) => ({
      role: 'source',
      what: { identifier: { system: SYSTEMS.event, value: e } },
    })),
  };
  return {
    resource: { ...provenance, meta: { versionId: '1', lastUpdated: meta.lastUpdated } },
    period: x.period,
    eventIds: x.eventIds,
    current: x.current,
  };
}

/**
 * The tenant's reference data (ADR 1119): an Organization per `OrganizationRegistered` (kind and IANA
 * timezone, the extension the import reads: it defines the months), and a Practitioner plus its
 * PractitionerRole per `PractitionerRegistered` (credential, role, organization). Pure.
 */
export function tenantResources(events: readonly FhirSourceEvent[]): FhirExported[] {
  const acc: Acc = { out: [], versions: new Map() };
  for (const e of events) {
    if (e.type === 'OrganizationRegistered') {
      const d = e.data;
      const org: Organization & { id: string } = {
        resourceType: 'Organization',
        id: d.organizationId,
        identifier: [
          { system: SYSTEMS.organization, value: d.organizationId },
          ...(d.npi ? [{ system: SYSTEMS.npi, value: d.npi }] : []),
        ],
        active: true,
        type: [{ coding: [{ system: SYSTEMS.organizationKind, code: d.kind }] }],
        name: d.name,
        extension: [{ url: SYSTEMS.timezone, valueCode: d.timezone }],
      };
      emit(acc, org, [e], null);
    } else if (e.type === 'PractitionerRegistered') {
      const d = e.data;
      const practitioner: Practitioner & { id: string } = {
        resourceType: 'Practitioner',
        id: d.practitionerId,
        identifier: [
          { system: SYSTEMS.practitioner, value: d.practitionerId },
          ...(d.npi ? [{ system: SYSTEMS.npi, value: d.npi }] : []),
        ],
        active: true,
        qualification: [{ code: { coding: [{ system: SYSTEMS.credential, code: d.credential }] } }],
      };
      emit(acc, practitioner, [e], null);
      const role: PractitionerRole & { id: string } = {
        resourceType: 'PractitionerRole',
        id: d.practitionerId,
        active: true,
        practitioner: ref('Practitioner', d.practitionerId),
        organization: ref('Organization', d.organizationId),
        code: [{ coding: [{ system: SYSTEMS.practitionerRole, code: d.role }] }],
      };
      emit(acc, role, [e], null);
    }
  }
  return acc.out;
}
