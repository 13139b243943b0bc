import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type Principal, readScope } from '@careledger/auth';
import { PG_POOL, ProblemError } from '@careledger/http';
import {
  chargeItemOf,
  tenantResources,
  type FhirBillingLine,
  type FhirExported,
  type FhirSourceEvent,
  patientResources,
  provenanceOf,
} from './fhir-resources.mapper';

/** Resource types the FHIR base exports (the CapabilityStatement lists exactly these). */
export const FHIR_TYPES = [
  'Patient',
  'Condition',
  'Encounter',
  'EpisodeOfCare',
  'Consent',
  'CarePlan',
  'ChargeItem',
  'Provenance',
] as const;
export type FhirType = (typeof FHIR_TYPES)[number];

/**
 * The tenant's reference data, exported by Bulk `$export` when `_type` asks for it (ADR 1119), so an
 * export can be imported elsewhere; not readable one by one, hence absent from the CapabilityStatement.
 */
export const BULK_REFERENCE_TYPES = ['Organization', 'Practitioner', 'PractitionerRole'] as const;
/** A type a Bulk export may write. */
export type BulkType = FhirType | (typeof BULK_REFERENCE_TYPES)[number];

/** Patients one search without `patient` looks at, at most (Bulk $export is the way to read a tenant). */
export const MAX_PATIENTS_PER_SEARCH = 200;

/**
 * The FHIR export of one or more patients (ADR 1110): the projector's copy of the events
 * (`projected_events`) folded by the pure mapper, and the stored billing lines as ChargeItems.
 * A patient outside the caller's department scope (ADR 0804) answers like an absent one.
 */
@Injectable()
export class FhirService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Patient ids of the tenant in the caller's scope: one when `patientId` is given. */
  async patientsInScope(
    tenantId: string,
    version: number,
    principal: Principal,
    patientId: string | null,
  ): Promise<string[]> {
    const scope = readScope(principal);
    const r = await this.pool.query<{ patient_id: string }>(
      `SELECT patient_id FROM patient_index
        WHERE model_version = $1 AND tenant_id = $2 AND ($3::text IS NULL OR patient_id = $3)
          AND ($4::text[] IS NULL OR department_ids && $4::text[])
        ORDER BY patient_id LIMIT $5`,
      [version, tenantId, patientId, scope === 'tenant' ? null : [...scope], MAX_PATIENTS_PER_SEARCH],
    );
    return r.rows.map((row) => row.patient_id);
  }

  /** Every version of every exported resource of the patients, Provenance included. */
  async exportPatients(
    tenantId: string,
    version: number,
    patientIds: readonly string[],
  ): Promise<FhirExported[]> {
    return [...(await this.exportByPatient(tenantId, version, patientIds)).values()].flat();
  }

  /** As {@link exportPatients}, each patient's resources apart (paged search and Bulk export walk patients). */
  async exportByPatient(
    tenantId: string,
    version: number,
    patientIds: readonly string[],
  ): Promise<Map<string, FhirExported[]>> {
    const out = new Map<string, FhirExported[]>(patientIds.map((p) => [p, []]));
    if (patientIds.length === 0) return out;
    const ev = await this.pool.query<{ patient_id: string; event: FhirSourceEvent }>(
      `SELECT patient_id, event FROM projected_events
        WHERE model_version = $1 AND tenant_id = $2 AND patient_id = ANY($3::text[])
        ORDER BY global_position NULLS LAST, recorded_at, event_id`,
      [version, tenantId, patientIds],
    );
    const byPatient = new Map<string, FhirSourceEvent[]>();
    for (const row of ev.rows) {
      const list = byPatient.get(row.patient_id) ?? [];
      list.push(row.event);
      byPatient.set(row.patient_id, list);
    }
    const lines = await this.pool.query<{
      patient_id: string;
      month: string;
      line_no: number;
      code: string;
      units: number;
      practitioner_id: string;
      program: string;
      rules_version: string;
      rule: string;
      entry_ids: string[];
    }>(
      `SELECT patient_id, month, line_no, code, units, practitioner_id, program, rules_version, rule, entry_ids
         FROM billing_lines WHERE model_version = $1 AND tenant_id = $2 AND patient_id = ANY($3::text[])
        ORDER BY patient_id, month, line_no`,
      [version, tenantId, patientIds],
    );
    const eventsById = new Map<string, FhirSourceEvent>();
    for (const [patientId, events] of byPatient) {
      for (const e of events) eventsById.set(e.eventId, e);
      out.get(patientId)?.push(...patientResources(patientId, events));
    }
    for (const l of lines.rows) {
      const events = (byPatient.get(l.patient_id) ?? []).filter((e) => {
        const entryId = (e.data as { entryId?: string }).entryId;
        return entryId !== undefined && l.entry_ids.includes(entryId);
      });
      const newest = events.length > 0 ? events : (byPatient.get(l.patient_id) ?? []).slice(-1);
      const line: FhirBillingLine = {
        patientId: l.patient_id,
        month: l.month,
        lineNo: l.line_no,
        code: l.code,
        units: l.units,
        practitionerId: l.practitioner_id,
        program: l.program,
        rulesVersion: l.rules_version,
        rule: l.rule,
        entryIds: l.entry_ids,
        lastUpdated:
          newest
            .map((e) => e.recordedAt)
            .sort()
            .at(-1) ?? `${l.month}-01T00:00:00Z`,
        eventIds: newest.map((e) => e.eventId),
      };
      out.get(l.patient_id)?.push(chargeItemOf(line));
    }
    for (const list of out.values()) list.push(...list.map((x) => provenanceOf(x, eventsById)));
    return out;
  }

  /** The tenant's Organization, Practitioner and PractitionerRole resources (current versions). */
  async exportTenant(tenantId: string, version: number): Promise<FhirExported[]> {
    const ev = await this.pool.query<{ event: FhirSourceEvent }>(
      `SELECT event FROM projected_events
        WHERE model_version = $1 AND tenant_id = $2 AND patient_id IS NULL
          AND event->>'type' IN ('OrganizationRegistered', 'PractitionerRegistered')
        ORDER BY global_position NULLS LAST, recorded_at, event_id`,
      [version, tenantId],
    );
    return tenantResources(ev.rows.map((r) => r.event));
  }

  /** The patient a resource of `type` with `id` belongs to, or a 404 in FHIR's words. */
  async patientOf(tenantId: string, version: number, type: FhirType, id: string): Promise<string> {
    if (type === 'Patient') return id;
    if (type === 'ChargeItem') return id.split('.')[0]!;
    if (type === 'Provenance') {
      // An absent target is an absent Provenance: the same 404 as one outside the caller's scope.
      const [targetType, targetId] = id.split('.');
      return this.patientOf(tenantId, version, targetType as FhirType, targetId ?? '').catch(() => {
        throw notFound(type, id);
      });
    }
    const key = {
      Condition: 'conditionId',
      Encounter: null,
      EpisodeOfCare: 'consentId',
      Consent: 'consentId',
      CarePlan: 'carePlanId',
    }[type];
    const r = await this.pool.query<{ patient_id: string }>(
      `SELECT patient_id FROM projected_events
        WHERE model_version = $1 AND tenant_id = $2 AND patient_id IS NOT NULL
          AND ${key ? `event->'data'->>'${key}' = $3` : `(event->'data'->>'encounterId' = $3 OR event->'data'->>'entryId' = $3)`}
        LIMIT 1`,
      [version, tenantId, id],
    );
    if (!r.rows[0]) throw notFound(type, id);
    return r.rows[0].patient_id;
  }
}

/** The one answer for an absent resource, or one outside the caller's scope. */
export function notFound(type: string, id: string): ProblemError {
  return ProblemError.notFound('FHIR.NOT_FOUND', `No ${type}/${id} in this tenant.`);
}
