import type { Endpoint } from './openapi';
import { MONTH } from './two-tenants';

/**
 * A valid request for every operation of the three apps (issue 20): the access matrix sends these, so
 * that an allowed caller must get a 2xx, not merely "something other than 401/403". Keyed by
 * `METHOD path-template`; an operation without an entry fails the matrix, like one without a rule.
 * `fresh` is a unique suffix per request (ids of new objects); `target` names existing objects.
 */
export interface RequestContext {
  fresh: string;
  patientId: string;
  /** The department the write acts for (departmentScoped rules only). */
  departmentId?: string;
  marker: string;
  tenantId: string;
  /** The matrix's request number (unique per matrix run). */
  sequence?: number;
  /** A month the matrix closed for this request (a reopen needs one). */
  closedMonth?: string;
}

/**
 * A month no earlier request closed: the matrix's request number (`sequence`) counted in months from
 * 1000-01, long over, so every allowed close is a first close.
 */
export function freshMonth(sequence: number): string {
  return `${1000 + Math.floor(sequence / 12)}-${String((sequence % 12) + 1).padStart(2, '0')}`;
}

export type ValidRequest = {
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /**
   * After an allowed 2xx, wait for what the request started to end (a rebuild), so that the next
   * allowed request finds the app idle; `get` reads a path of the same app with the same token.
   */
  settle?: (get: (path: string) => Promise<{ status: number; body: unknown }>) => Promise<void>;
};

/** Polls the projector's rebuild status until it is no longer running (at most 90 s). */
async function rebuildSettled(get: (path: string) => Promise<{ status: number; body: unknown }>) {
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    const r = await get('/v1/operator/rebuild');
    if ((r.body as { state?: string } | undefined)?.state !== 'running') return;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error('matrix: the rebuild it started did not finish within 90 s');
}

const at = (day: number, hour = 10) =>
  `${MONTH}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00-04:00`;
const date = (day: number) => `${MONTH}-${String(day).padStart(2, '0')}`;
const dept = (c: RequestContext) => (c.departmentId ? { departmentId: c.departmentId } : {});

/** One CareTimeLogged contract event (for imports and for creating an entry to void or amend). */
export function careTimeEvent(c: RequestContext, entryId: string): Record<string, unknown> {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId: c.tenantId,
    patientId: c.patientId,
    occurredAt: at(20),
    recordedAt: '2025-06-20T15:00:00Z',
    actor: { userId: 'u-import', role: 'clinical_staff', departmentId: c.departmentId ?? 'primary-care' },
    data: {
      entryId,
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: at(20),
      minutes: 3,
      activity: `${c.marker} imported call`,
    },
  };
}

const P = '/v1/tenants/{tenantId}/patients/{patientId}';
export const VALID_REQUESTS: Record<string, (c: RequestContext) => ValidRequest> = {
  'POST /v1/tenants/{tenantId}/events:import': (c) => ({ body: [careTimeEvent(c, `IMP-${c.fresh}`)] }),
  'POST /v1/tenants/{tenantId}/organizations': (c) => ({
    body: {
      organizationId: `ORG-${c.fresh}`,
      name: `${c.marker} clinic`,
      timezone: 'America/New_York',
      kind: 'practice',
    },
  }),
  'POST /v1/tenants/{tenantId}/practitioners': (c) => ({
    body: {
      practitionerId: `DR-${c.fresh}`,
      organizationId: 'ORG-MAINST',
      credential: 'MD',
      role: 'physician',
      canBillEM: true,
    },
  }),
  'POST /v1/tenants/{tenantId}/patients': (c) => ({
    body: { patientId: `NP-${c.fresh}`, organizationId: 'ORG-MAINST', qmb: false, ...dept(c) },
  }),
  [`POST ${P}/care-time`]: (c) => ({
    body: {
      entryId: `E-${c.fresh}`,
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: at(21),
      minutes: 4,
      activity: `${c.marker} follow-up call`,
      ...dept(c),
    },
  }),
  [`POST ${P}/care-time/{entryId}/amendments`]: (c) => ({
    body: { minutes: 6, reason: `${c.marker} signed correction`, ...dept(c) },
  }),
  [`POST ${P}/care-time/{entryId}/void`]: (c) => ({
    body: { reason: `${c.marker} wrong patient`, ...dept(c) },
  }),
  [`POST ${P}/consents`]: (c) => ({
    body: {
      consentId: `CN-${c.fresh}`,
      program: 'CCM',
      billingPractitionerId: 'DR-PCP1',
      method: 'written',
      obtainedAt: at(2),
      costSharingExplained: true,
      ...dept(c),
    },
  }),
  [`POST ${P}/consents/{consentId}/revoke`]: (c) => ({ body: { revokedAt: at(29), ...dept(c) } }),
  [`POST ${P}/conditions`]: (c) => ({
    body: { conditionId: `C-${c.fresh}`, icd10: 'E11.9', diagnosedOn: '2024-01-02', ...dept(c) },
  }),
  [`POST ${P}/conditions/{conditionId}/resolve`]: (c) => ({ body: { resolvedOn: date(28), ...dept(c) } }),
  [`POST ${P}/care-plans`]: (c) => ({
    body: {
      carePlanId: `CP-${c.fresh}`,
      program: 'CCM',
      kind: 'comprehensive',
      establishedOn: date(5),
      authorId: 'DR-PCP1',
      problems: ['E11.9'],
      goals: [`${c.marker} goal`],
      interventions: [`${c.marker} intervention`],
      sharedWithPatient: true,
      ...dept(c),
    },
  }),
  [`POST ${P}/care-plans/{carePlanId}/revisions`]: (c) => ({
    body: {
      revisedOn: date(15),
      authorId: 'DR-PCP1',
      changes: { goals: [`${c.marker} revised goal`] },
      substantial: false,
      ...dept(c),
    },
  }),
  [`POST ${P}/encounters`]: (c) => ({
    body: {
      encounterId: `V-${c.fresh}`,
      kind: 'em_office',
      practitionerId: 'DR-PCP1',
      on: date(12),
      ...dept(c),
    },
  }),
  [`POST ${P}/psychotherapy`]: (c) => ({
    body: {
      encounterId: `PT-${c.fresh}`,
      practitionerId: 'DR-PCP1',
      on: date(13),
      minutes: 30,
      withEM: false,
      ...dept(c),
    },
  }),
  [`POST ${P}/pharmacologic-management`]: (c) => ({
    body: { encounterId: `PM-${c.fresh}`, practitionerId: 'DR-PCP1', on: date(14), ...dept(c) },
  }),
  [`POST ${P}/monitoring-data`]: (c) => ({
    body: {
      periodId: `MP-${c.fresh}`,
      monitoring: 'RPM',
      deviceCategory: 'physiologic',
      billingPractitionerId: 'DR-PCP1',
      periodStartOn: date(2),
      dataDays: [date(2), date(3)],
      ...dept(c),
    },
  }),
  [`POST ${P}/digital-therapy`]: (c) => ({
    body: {
      courseId: `DT-${c.fresh}`,
      billingPractitionerId: 'DR-PCP1',
      deviceRegulation: '882.5801',
      suppliedOn: date(4),
      ...dept(c),
    },
  }),
  // extension 1.3 (issue 17): navigation and integration services
  [`POST ${P}/navigation-initiations`]: (c) => ({
    body: {
      initiationId: `NI-${c.fresh}`,
      service: 'CHI',
      billingPractitionerId: 'DR-PCP1',
      initiatingEncounterId: `V-${c.fresh}`,
      consentObtainedOn: date(12),
      ...dept(c),
    },
  }),
  [`POST ${P}/navigation-time`]: (c) => ({
    body: {
      entryId: `NT-${c.fresh}`,
      initiationId: `NI-${c.fresh}`,
      performerId: 'RN-MAIN1',
      startedAt: at(22),
      minutes: 5,
      ...dept(c),
    },
  }),
  [`POST ${P}/month-claims`]: () => ({
    body: {
      month: MONTH,
      program: 'CCM',
      billingPractitionerId: 'DR-PCP1',
      lines: [{ code: '99490', units: 1 }],
    },
  }),
  'POST /v1/tenants/{tenantId}/month-closes': (c) => ({ body: { month: freshMonth(c.sequence ?? 0) } }),
  'POST /v1/tenants/{tenantId}/restatements/{restatementId}/resolve': (c) => ({
    body: { reason: `${c.marker} access matrix resolve` },
  }),
  'POST /v1/tenants/{tenantId}/month-reopenings': (c) => ({
    body: {
      month: c.closedMonth ?? MONTH,
      organizationId: 'ORG-MAINST',
      reason: `${c.marker} access matrix reopen`,
    },
  }),
  // query-api
  'GET /v1/tenants/{tenantId}/monthly-minutes': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/monthly-minutes.csv': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/billing-lines': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/billing-lines.csv': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/excluded-entries': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/provider-of-record': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/eligibility': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/worklist': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/conflicts': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/care-plan-versions': () => ({}),
  [`GET ${P}/months/{month}`]: () => ({}),
  [`GET ${P}/consents`]: () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/access-log': () => ({ query: { limit: '5' } }),
  'GET /v1/tenants/{tenantId}/billing-office': () => ({ query: { month: MONTH } }),
  'GET /v1/tenants/{tenantId}/billing-office.csv': () => ({ query: { month: MONTH } }),
  // the FHIR base (query-api forwards it to care-api, ADR 1113): a transaction registering one new
  // patient by a fresh MRN, which every allowed role may do (the Patient entry's own command policy)
  'POST /fhir/R4': (c) => ({
    headers: { 'content-type': 'application/fhir+json' },
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: `urn:uuid:00000000-0000-4000-8000-${c.fresh
            .replace(/[^0-9a-f]/g, '0')
            .padStart(12, '0')
            .slice(-12)}`,
          resource: {
            resourceType: 'Patient',
            identifier: [
              {
                type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
                system: 'urn:oid:2.16.840.1.113883.3.9999.1',
                value: `MX-${c.tenantId}-${c.fresh}`,
              },
            ],
            active: true,
          },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    },
  }),
  // Bulk Data kick-off (ADR 1118): asynchronous only, so Prefer is part of a valid request; 202.
  'GET /fhir/R4/$export': () => ({ headers: { prefer: 'respond-async' }, query: { _type: 'Patient' } }),
  'GET /fhir/R4/Patient/$export': () => ({
    headers: { prefer: 'respond-async' },
    query: { _type: 'Patient' },
  }),
  // projector (operator screen)
  'GET /v1/operator/dead-letters': () => ({ query: { limit: '50' } }),
  // A seeded poison message per tenant (still poison: every retry answers 200 failed-again).
  'POST /v1/operator/dead-letters/{id}/retry': () => ({}),
  'GET /v1/operator/rebuild': () => ({}),
  'POST /v1/operator/rebuild': () => ({ settle: rebuildSettled }),
  // audit
  'POST /v1/tenants/{tenantId}/replays': (c) => ({
    body: { month: MONTH, patientId: c.patientId },
    headers: { prefer: 'respond-async' },
  }),
  'GET /v1/tenants/{tenantId}/replays': () => ({ query: { limit: '10' } }),
  'GET /v1/tenants/{tenantId}/replays/{jobId}': () => ({}),
};

/**
 * FHIR reads (ADR 1110) need nothing beyond the path: a read, a version read and an instance history
 * name their object; a search without parameters is every resource of the type in the caller's scope.
 * Only these GET shapes: a FHIR write or operation needs its own entry.
 */
const FHIR_READ = /^\/fhir\/R4\/[A-Z][A-Za-z]+(\/\{id\}(\/_history(\/\{vid\})?)?)?$/;

/** The valid request of an endpoint, or undefined (the matrix then fails naming it). */
export function validRequestFor(e: Endpoint): ((c: RequestContext) => ValidRequest) | undefined {
  if (e.method === 'GET' && FHIR_READ.test(e.path)) return () => ({});
  return VALID_REQUESTS[`${e.method} ${e.path}`];
}
