import type { Role } from '@careledger/auth';
import type { Endpoint } from './openapi';

/** Every platform role (issue 8). */
export const ALL_ROLES: Role[] = ['care_manager', 'practitioner', 'billing', 'auditor', 'analyst', 'admin'];

/** What issue 8 says about one family of endpoints. */
export interface PolicyRule {
  /** Human name for reports. */
  name: string;
  app: Endpoint['app'];
  method: Endpoint['method'];
  /** Matched against the OpenAPI path. */
  path: RegExp;
  /** Exactly the roles that may call it; every other role gets 403. */
  allowed: Role[];
  /** A write on behalf of a department: a token without that department gets 403. */
  departmentScoped?: boolean;
}

const T = '^/v1/tenants/\\{tenantId\\}';
const P = `${T}/patients/\\{patientId\\}`;
const CLINICAL: Role[] = ['care_manager', 'practitioner'];
const READ_CLINICAL: Role[] = ['care_manager', 'practitioner', 'billing', 'auditor'];
/** The FHIR types exported per patient (identifiers and clinical facts: no analyst, ADR 1110). */
const FHIR_CLINICAL_TYPES =
  '(Patient|Condition|Encounter|EpisodeOfCare|Consent|CarePlan|ChargeItem|Provenance)';

/**
 * Issue 8's role model as data. The matrix enumerates endpoints from the OpenAPI documents and
 * requires each to match exactly one rule here, so a new endpoint fails the matrix until someone
 * decides who may call it. Every pattern is anchored at both ends and names whole path segments: there
 * is no catch-all (issue 20), so `/patients/{patientId}/notes` matches nothing. Decisions where the
 * issue is silent are recorded in ADR 0800; department scope of reads in ADR 0804.
 */
export const POLICY: PolicyRule[] = [
  // care-api: writes
  {
    name: 'import events',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${T}/events:import$`),
    allowed: ['admin'],
  },
  {
    name: 'reference data',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${T}/(organizations|practitioners)$`),
    allowed: ['admin'],
  },
  {
    name: 'register patient',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${T}/patients$`),
    allowed: ['admin', ...CLINICAL],
    departmentScoped: true,
  },
  {
    name: 'clinical facts',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(
      `${P}/(conditions|conditions/\\{conditionId\\}/resolve|encounters|psychotherapy|pharmacologic-management|navigation-initiations)$`,
    ),
    allowed: ['practitioner'],
    departmentScoped: true,
  },
  {
    name: 'care management',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(
      `${P}/(consents|consents/\\{consentId\\}/revoke|care-plans|care-plans/\\{carePlanId\\}/revisions|care-time|care-time/\\{entryId\\}/(amendments|void)|navigation-time)$`,
    ),
    allowed: CLINICAL,
    departmentScoped: true,
  },
  {
    // issue 17, ADR 0208: device data (extension 1.1) and DMHT device supply (1.2) are recorded by the care team
    name: 'remote monitoring and digital therapy',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${P}/(monitoring-data|digital-therapy)$`),
    allowed: CLINICAL,
    departmentScoped: true,
  },
  {
    name: 'claims',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${P}/month-claims$`),
    allowed: ['billing'],
  },
  {
    // issue 16, ADR 0616: the billing office closes; reopening is privileged (ADR 0610)
    name: 'month close',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${T}/month-closes$`),
    allowed: ['billing'],
  },
  {
    name: 'month reopen',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${T}/month-reopenings$`),
    allowed: ['admin'],
  },
  {
    // issue 16: a restatement resolved by hand with a reason (the HTTP twin of `charges resolve`, ADR 1000)
    name: 'restatement resolve',
    app: 'care-api',
    method: 'POST',
    path: new RegExp(`${T}/restatements/\\{restatementId\\}/resolve$`),
    allowed: ['billing'],
  },
  // query-api: reads
  {
    name: 'access log (query-api)',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${T}/access-log$`),
    allowed: ['auditor'],
  },
  {
    // issue 16, ADR 0615: patient ids and restatements of closed months, for the billing office
    name: 'billing office',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${T}/billing-office(\\.csv)?$`),
    allowed: ['billing', 'auditor'],
  },
  {
    name: 'billing determination',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${T}/(billing-lines|conflicts|excluded-entries)$`),
    allowed: ['billing', 'auditor', 'analyst'],
  },
  {
    name: 'exports',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${T}/(billing-lines|monthly-minutes)\\.csv$`),
    allowed: ['billing', 'auditor', 'analyst'],
  },
  // Analysts read care plans de-identified (no goals/interventions/problems): the matrix checks the body.
  {
    name: 'care plans',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${T}/care-plan-versions$`),
    allowed: ['care_manager', 'practitioner', 'auditor', 'analyst'],
  },
  {
    name: 'patient month',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${P}/months/\\{month\\}$`),
    allowed: READ_CLINICAL,
  },
  {
    // issue 14: consent state and history, the month endpoint's roles and department scope (ADR 1000)
    name: 'consent history',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${P}/consents$`),
    allowed: READ_CLINICAL,
  },
  {
    name: 'projections',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`${T}/(monthly-minutes|provider-of-record|eligibility|worklist)$`),
    allowed: [...READ_CLINICAL, 'analyst'],
  },
  // query-api: the FHIR base (ADR 1110), enumerated from its CapabilityStatement. The types are named,
  // so a new one (Observation, say) has no rule until someone decides who reads it.
  {
    name: 'FHIR read, version read, history and search',
    app: 'query-api',
    method: 'GET',
    path: new RegExp(`^/fhir/R4/${FHIR_CLINICAL_TYPES}(/\\{id\\}(/_history(/\\{vid\\})?)?)?$`),
    allowed: READ_CLINICAL,
  },
  {
    // ADR 1117: the access log as AuditEvents, for the access log's own readers (as audit's JSON API).
    name: 'FHIR AuditEvent',
    app: 'query-api',
    method: 'GET',
    path: /^\/fhir\/R4\/AuditEvent(\/\{id\})?$/,
    allowed: ['auditor'],
  },
  {
    // ADR 1118: Bulk Data kick-off, system and Patient level; analysts get pseudonymised files.
    name: 'FHIR Bulk Data $export kick-off',
    app: 'query-api',
    method: 'GET',
    path: /^\/fhir\/R4(\/Patient)?\/\$export$/,
    allowed: [...READ_CLINICAL, 'analyst'],
  },
  {
    // ADR 1113: the roles that may register a patient; each entry is then held to its own command's
    // policy by care-api (an Organization entry needs admin, a Condition a practitioner).
    name: 'FHIR transaction import',
    app: 'query-api',
    method: 'POST',
    path: /^\/fhir\/R4$/,
    allowed: ['admin', ...CLINICAL],
  },
  // projector: the operator screen (console, ADR 1000). Tenant-free paths: the dead letters are the
  // caller's tenant's only; a rebuild is of the whole database (every tenant's read models).
  {
    name: 'operator dead letters',
    app: 'projector',
    method: 'GET',
    path: /^\/v1\/operator\/dead-letters$/,
    allowed: ['admin'],
  },
  {
    // ADR 1401: a dead letter of the caller's tenant (or one without a readable tenant).
    name: 'operator dead-letter retry',
    app: 'projector',
    method: 'POST',
    path: /^\/v1\/operator\/dead-letters\/\{id\}\/retry$/,
    allowed: ['admin'],
  },
  {
    name: 'operator rebuild',
    app: 'projector',
    method: 'GET',
    path: /^\/v1\/operator\/rebuild$/,
    allowed: ['admin'],
  },
  {
    name: 'operator rebuild start',
    app: 'projector',
    method: 'POST',
    path: /^\/v1\/operator\/rebuild$/,
    allowed: ['admin'],
  },
  // audit
  {
    name: 'access log',
    app: 'audit',
    method: 'GET',
    path: new RegExp(`${T}/access-log$`),
    allowed: ['auditor'],
  },
  { name: 'replays', app: 'audit', method: 'POST', path: new RegExp(`${T}/replays$`), allowed: ['auditor'] },
  {
    name: 'replay records',
    app: 'audit',
    method: 'GET',
    path: new RegExp(`${T}/replays(/\\{jobId\\})?$`),
    allowed: ['auditor'],
  },
];

/** The one rule an endpoint matches, or undefined (none, or more than one: both fail the matrix). */
export function ruleFor(e: Endpoint): PolicyRule | undefined {
  const matches = POLICY.filter((r) => r.app === e.app && r.method === e.method && r.path.test(e.path));
  return matches.length === 1 ? matches[0] : undefined;
}

/** Fields that hold free text (EVENTS.md): never in what an analyst reads, never in logs, keys or headers. */
export const FREE_TEXT_FIELDS = [
  'activity',
  'reason',
  'goals',
  'interventions',
  'problems',
  'name',
  'changes',
];
