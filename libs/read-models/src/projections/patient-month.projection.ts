import type { PatientMonthSummary } from '@careledger/domain';
import type { PatientMonthKey, PatientMonthRows } from './read-model-rows';

/**
 * Map one patient-month's summary (DOMAIN's `summarizePatientMonth`, the only place billing facts are
 * computed) to the rows of the patient-month tables. Pure; no billing logic here.
 */
export function patientMonthRows(
  tenantId: string,
  patientId: string,
  departmentIds: readonly string[],
  s: PatientMonthSummary,
): PatientMonthRows {
  const key: PatientMonthKey = {
    tenant_id: tenantId,
    patient_id: patientId,
    month: s.month,
    department_ids: [...new Set(departmentIds)].sort(),
  };
  return {
    determination: {
      ...key,
      rules_version: s.rulesVersion,
      organization_id: s.homeOrganizationId,
      determination: s.determination,
    },
    monthlyMinutes: s.monthlyMinutes.map((m) => ({
      ...key,
      program: m.program,
      practitioner_id: m.practitionerId,
      performer_role: m.performerRole,
      raw_minutes: m.rawMinutes,
      counted_minutes: m.countedMinutes,
      excluded_minutes: m.excludedMinutes,
      entry_count: m.entryCount,
    })),
    providerOfRecord: s.providerOfRecord.map((p) => ({
      ...key,
      program: p.program,
      practitioner_id: p.practitionerId,
    })),
    eligibility: s.eligibility.map((e) => ({
      ...key,
      program: e.program,
      eligible: e.eligible,
      reasons: e.reasons,
    })),
    billingLines: s.lines.map(({ lineNo, line: l }) => ({
      ...key,
      line_no: lineNo,
      code: l.code,
      units: l.units,
      practitioner_id: l.practitionerId,
      program: l.program ?? null,
      service_date: l.date ?? null,
      rules_version: l.explanation?.rulesVersion ?? s.rulesVersion,
      rule: l.explanation?.rule ?? null,
      counted_minutes: l.explanation?.countedMinutes ?? null,
      entry_ids: l.explanation?.entryIds ?? [],
      explanation: l.explanation ?? {},
    })),
    excludedEntries: s.excluded.map(({ seq, entry: x }) => ({
      ...key,
      seq,
      entry_id: x.entryId,
      minutes: x.minutes,
      reason: x.reason,
      program: x.program ?? null,
      practitioner_id: x.practitionerId ?? null,
    })),
    worklist: s.worklist.map((w) => ({
      ...key,
      program: w.program,
      practitioner_id: w.practitionerId,
      counted_minutes: w.countedMinutes,
      billed_codes: w.billedCodes,
      next_threshold: w.nextThreshold,
      minutes_to_next: w.minutesToNext,
      next_code: w.nextCode,
    })),
    conflicts: s.conflicts.map(({ seq, flag: f }) => ({
      ...key,
      seq,
      code: f.code,
      program: f.program ?? null,
      practitioner_id: f.practitionerId ?? null,
      detail: f.detail,
    })),
  };
}
