import type { AuditEvent, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { SYSTEMS } from './fhir-resources.mapper';

/** One `access_log` row (ADR 0801) as the AuditEvent export reads it: ids, codes and instants only. */
export interface AccessLogRow {
  id: string;
  accessed_at: Date;
  subject: string;
  roles: string[];
  departments: string[];
  app: string;
  action: string;
  method: string;
  route: string;
  patient_id: string | null;
  target: Record<string, string | number>;
  status: number;
  correlation_id: string | null;
}

export const AUDIT_SYSTEMS = {
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  interaction: 'http://hl7.org/fhir/restful-interaction',
  action: 'urn:careledger:access-action',
  role: 'urn:careledger:role',
  department: 'urn:careledger:department',
  app: 'urn:careledger:app',
  route: 'urn:careledger:route',
} as const;

/** FHIR's restful-interaction code of the logged actions that are FHIR interactions. */
const INTERACTION: Record<string, string> = {
  'fhir.read': 'read',
  'fhir.vread': 'vread',
  'fhir.history': 'history-instance',
  'fhir.search': 'search-type',
  'fhir.audit_event.read': 'read',
  'fhir.audit_event.search': 'search-type',
};

const ACTION: Record<string, AuditEvent['action']> = {
  GET: 'R',
  HEAD: 'R',
  POST: 'E',
  PUT: 'U',
  PATCH: 'U',
  DELETE: 'D',
};

/** FHIR's outcome codes: 0 success, 4 minor failure (refused request), 8 serious failure (server). */
function outcomeOf(status: number): AuditEvent['outcome'] {
  if (status < 400) return '0';
  return status < 500 ? '4' : '8';
}

/**
 * An access-log row as an R4 AuditEvent (ADR 1117): type `rest`, the logged action as subtype, the
 * caller as the requesting agent (subject, roles, departments: what the row holds), the app as the
 * observer, the tenant as the site, the patient (when the request named one) and the route with its
 * logged ids as entities. Nothing is added that the access log does not hold: no names, no bodies.
 */
export function auditEventOf(row: AccessLogRow, tenantId: string): AuditEvent & { id: string } {
  const recorded = row.accessed_at.toISOString();
  const details = [
    ...Object.entries(row.target).map(([type, v]) => ({ type, valueString: String(v) })),
    ...(row.correlation_id ? [{ type: 'correlationId', valueString: row.correlation_id }] : []),
  ];
  return {
    resourceType: 'AuditEvent',
    id: row.id,
    meta: { versionId: '1', lastUpdated: recorded },
    type: { system: AUDIT_SYSTEMS.eventType, code: 'rest', display: 'RESTful Operation' },
    subtype: [
      ...(INTERACTION[row.action]
        ? [{ system: AUDIT_SYSTEMS.interaction, code: INTERACTION[row.action] }]
        : []),
      { system: AUDIT_SYSTEMS.action, code: row.action },
    ],
    action: ACTION[row.method] ?? 'E',
    recorded,
    outcome: outcomeOf(row.status),
    outcomeDesc: `HTTP ${row.status}`,
    agent: [
      {
        who: { identifier: { system: SYSTEMS.user, value: row.subject } },
        altId: row.subject,
        requestor: true,
        role: [
          ...row.roles.map((code) => ({ coding: [{ system: AUDIT_SYSTEMS.role, code }] })),
          ...row.departments.map((code) => ({ coding: [{ system: AUDIT_SYSTEMS.department, code }] })),
        ],
      },
    ],
    source: {
      site: tenantId,
      observer: { identifier: { system: AUDIT_SYSTEMS.app, value: row.app } },
    },
    entity: [
      ...(row.patient_id
        ? [
            {
              what: { reference: `Patient/${row.patient_id}` },
              type: { system: AUDIT_SYSTEMS.entityType, code: '1', display: 'Person' },
              role: { system: AUDIT_SYSTEMS.objectRole, code: '1', display: 'Patient' },
            },
          ]
        : []),
      {
        what: { identifier: { system: AUDIT_SYSTEMS.route, value: `${row.method} ${row.route}` } },
        type: { system: AUDIT_SYSTEMS.entityType, code: '2', display: 'System Object' },
        ...(details.length > 0 ? { detail: details } : {}),
      },
    ],
  };
}

/** The search parameters of AuditEvent (fhir-audit-event.service.ts implements exactly these). */
export const AUDIT_EVENT_CAPABILITY: CapabilityStatementRestResource = {
  type: 'AuditEvent',
  documentation:
    'The access log (ADR 0801) as AuditEvents, readable by auditors only; ids are the access-log ids',
  versioning: 'no-version',
  interaction: [{ code: 'read' }, { code: 'search-type' }],
  searchParam: [
    { name: 'date', type: 'date', documentation: 'When the access was recorded (AuditEvent.recorded)' },
    { name: '_lastUpdated', type: 'date', documentation: 'Same as date: an access-log row never changes' },
    {
      name: 'agent',
      type: 'reference',
      documentation: 'The subject (user id) of the caller, as in agent.who.identifier and agent.altId',
    },
    { name: 'altid', type: 'token', documentation: 'Same as agent' },
    {
      name: 'patient',
      type: 'reference',
      documentation: 'The patient the request named (Patient/<id> or <id>)',
    },
  ],
};
