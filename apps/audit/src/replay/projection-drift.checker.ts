import type { Pool } from 'pg';
import canonicalize from 'canonicalize';
import type { DriftChecker, ReplayScope } from './replay-runner';
import type { Determination, DeterminationLine, DriftItem } from './replay-report';

/** Determination fields that describe the question rather than the answer; never drift. */
const NOT_COMPARED = new Set(['asOf']);

interface StoredDeterminationRow {
  patient_id: string;
  rules_version: string;
  determination: Record<string, unknown>;
}

interface StoredLineRow {
  patient_id: string;
  line_no: number;
  code: string;
  units: number;
  practitioner_id: string;
  program: string | null;
  service_date: string | null;
  rules_version: string;
  counted_minutes: number | null;
  entry_ids: string[];
}

/** The comparable shape of one billing line (replayed or stored). */
interface LineView {
  code: string;
  units: number;
  practitionerId: string;
  program: string | null;
  date: string | null;
  rulesVersion: string;
  countedMinutes: number | null;
  entryIds: string[];
}

const same = (a: unknown, b: unknown): boolean => canonicalize(a ?? null) === canonicalize(b ?? null);
const lineKey = (l: LineView): string => [l.code, l.practitionerId, l.program ?? '', l.date ?? ''].join('|');

function replayedLine(d: Determination, l: DeterminationLine): LineView {
  return {
    code: l.code,
    units: l.units,
    practitionerId: l.practitionerId,
    program: l.program ?? null,
    date: l.date ?? null,
    rulesVersion: (l.explanation?.rulesVersion as string | undefined) ?? d.rulesVersion,
    countedMinutes: l.explanation?.countedMinutes ?? null,
    entryIds: [...(l.explanation?.entryIds ?? [])].sort(),
  };
}

function storedLine(r: StoredLineRow): LineView {
  return {
    code: r.code,
    units: r.units,
    practitionerId: r.practitioner_id,
    program: r.program,
    date: r.service_date,
    rulesVersion: r.rules_version,
    countedMinutes: r.counted_minutes,
    entryIds: [...r.entry_ids].sort(),
  };
}

/**
 * Drift against the READ engineer's stored projections of the ACTIVE read-model version
 * (`projection_state`): `month_determinations` field by field and `billing_lines` line by line,
 * each difference with both values. A stored patient-month the replay did not select (the projector
 * stores every month an event may touch) is determined on demand and compared too, so a stored row
 * is never silently ignored.
 */
export class ProjectionDriftChecker implements DriftChecker {
  constructor(
    private readonly pool: Pool,
    private readonly projectionName = 'read-models',
  ) {}

  async compare(
    scope: ReplayScope & { month: string },
    determinations: readonly Determination[],
    determineOther?: (patientId: string) => Determination | null,
  ): Promise<DriftItem[] | null> {
    const version = await this.activeVersion();
    if (version === null) return null;
    const params: unknown[] = [version, scope.tenantId, scope.month];
    const patientFilter = scope.patientId === null ? '' : ' AND patient_id = $4';
    if (scope.patientId !== null) params.push(scope.patientId);
    const [stored, lines] = await Promise.all([
      this.pool.query<StoredDeterminationRow>(
        `SELECT patient_id, rules_version, determination FROM month_determinations
          WHERE model_version = $1 AND tenant_id = $2 AND month = $3${patientFilter}`,
        params,
      ),
      this.pool.query<StoredLineRow>(
        `SELECT patient_id, line_no, code, units, practitioner_id, program, service_date, rules_version,
                counted_minutes, entry_ids
           FROM billing_lines WHERE model_version = $1 AND tenant_id = $2 AND month = $3${patientFilter}
          ORDER BY patient_id, line_no`,
        params,
      ),
    ]);
    const storedByPatient = new Map(stored.rows.map((r) => [r.patient_id, r]));
    const linesByPatient = new Map<string, StoredLineRow[]>();
    for (const r of lines.rows) {
      const list = linesByPatient.get(r.patient_id) ?? [];
      list.push(r);
      linesByPatient.set(r.patient_id, list);
    }
    const replayed = new Map(determinations.map((d) => [d.patientId, d]));
    for (const patientId of new Set([...storedByPatient.keys(), ...linesByPatient.keys()])) {
      if (replayed.has(patientId) || !determineOther) continue;
      const d = determineOther(patientId);
      if (d) replayed.set(patientId, d);
    }

    const drift: DriftItem[] = [];
    const patients = [
      ...new Set([...replayed.keys(), ...storedByPatient.keys(), ...linesByPatient.keys()]),
    ].sort();
    for (const patientId of patients) {
      const d = replayed.get(patientId) ?? null;
      const s = storedByPatient.get(patientId) ?? null;
      const base = { patientId, month: scope.month };
      if (d === null || s === null) {
        if (d !== null && d.lines.length === 0 && d.flags.length === 0) continue;
        drift.push({
          ...base,
          kind: 'determination',
          field: '*',
          replayed: d,
          stored: s?.determination ?? null,
        });
      } else {
        const fields = new Set([...Object.keys(d), ...Object.keys(s.determination)]);
        for (const field of [...fields].sort()) {
          if (NOT_COMPARED.has(field)) continue;
          if (!same(d[field], s.determination[field])) {
            drift.push({
              ...base,
              kind: 'determination',
              field,
              replayed: d[field] ?? null,
              stored: s.determination[field] ?? null,
            });
          }
        }
      }
      drift.push(...this.lineDrift(base, d, linesByPatient.get(patientId) ?? []));
    }
    return drift;
  }

  private lineDrift(
    base: { patientId: string; month: string },
    d: Determination | null,
    rows: StoredLineRow[],
  ): DriftItem[] {
    const replayedLines = new Map<string, LineView[]>();
    for (const l of d?.lines ?? []) {
      const v = replayedLine(d!, l);
      replayedLines.set(lineKey(v), [...(replayedLines.get(lineKey(v)) ?? []), v]);
    }
    const storedLines = new Map<string, LineView[]>();
    for (const r of rows) {
      const v = storedLine(r);
      storedLines.set(lineKey(v), [...(storedLines.get(lineKey(v)) ?? []), v]);
    }
    const out: DriftItem[] = [];
    for (const key of [...new Set([...replayedLines.keys(), ...storedLines.keys()])].sort()) {
      const a = replayedLines.get(key) ?? [];
      const b = storedLines.get(key) ?? [];
      if (!same(a, b)) {
        out.push({
          ...base,
          kind: 'billing_line',
          field: key,
          replayed: a.length === 0 ? null : a.length === 1 ? a[0] : a,
          stored: b.length === 0 ? null : b.length === 1 ? b[0] : b,
        });
      }
    }
    return out;
  }

  /** The active read-model version, or null when the read models are not installed. */
  private async activeVersion(): Promise<number | null> {
    try {
      const { rows } = await this.pool.query<{ active_version: number }>(
        'SELECT active_version FROM projection_state WHERE name = $1',
        [this.projectionName],
      );
      return rows[0]?.active_version ?? null;
    } catch (err) {
      // 42P01: the read-model schema is not migrated in this database; nothing to compare with.
      if ((err as { code?: string }).code === '42P01') return null;
      throw err;
    }
  }
}
