import { DateTime } from 'luxon';
import type {
  Actor,
  ContractEvent,
  Program,
  PractitionerRole,
  ReferenceData,
  CareTimeLogged,
  ConsentGranted,
} from '@careledger/domain';
import { chronicByDefault } from '@careledger/domain';
import { SeededRandom } from './seeded-random';
import {
  ACTIVITIES,
  ACUTE_CODES,
  AMEND_REASONS,
  BEHAVIORAL_CODES,
  CARE_PLAN_TEXT,
  CHRONIC_CODES,
  ORGANIZATION_TEMPLATES,
  SEPARATELY_BILLED_CODES,
  VOID_REASONS,
  type CodeTemplate,
  type OrganizationTemplate,
} from './catalog';
import { estimateClaims } from './claim-estimator';
import { cachedZone } from './cached-zone';

/** Options of {@link generateHealthSystem}. */
export interface GenerateHealthSystemOptions {
  /** Any 32-bit integer; the same seed (and options) always gives the same events. */
  seed: number;
  /** The tenant (health system) id stamped on every event. */
  tenantId: string;
  /** Number of patients (>= 1). */
  patients: number;
  /** Months of care activity, `YYYY-MM` (any order; duplicates ignored). */
  months: string[];
  /** Record some entries weeks after they happened (default true). */
  lateEntries?: boolean;
  /** Submit `MonthClaimed` after each month (default true). */
  claims?: boolean;
  /** Knowledge cut-off: nothing recorded after this instant is returned (the "current month so far"). */
  until?: string | null;
  /** How many organizations (2..6, default 4; 2 = a practice and an FQHC in two zones). */
  organizations?: number;
  /** Reference data: when given, codes missing from its code set are skipped and a few chronic codes are sampled from it. */
  reference?: ReferenceData | null;
  /** Prefix of patient ids (default `P`), useful to generate several disjoint populations in one tenant. */
  patientIdPrefix?: string;
  /** Called after each patient (and once at the end) with patients done and the total. */
  onProgress?: (patientsDone: number, patientsTotal: number) => void;
}

/** Rough counts of what was generated (for progress output and tests). */
export interface HealthSystemStats {
  events: number;
  patients: number;
  organizations: number;
  practitioners: number;
  byType: Record<string, number>;
}

type Archetype =
  | 'ccm_staff'
  | 'ccm_personal'
  | 'ccm_complex'
  | 'ccm_new'
  | 'pcm'
  | 'bhi'
  | 'cocm'
  | 'ccm_cocm'
  | 'apcm'
  | 'unenrolled';

const ARCHETYPES: readonly (readonly [Archetype, number])[] = [
  ['ccm_staff', 38],
  ['ccm_personal', 5],
  ['ccm_complex', 8],
  ['ccm_new', 7],
  ['pcm', 9],
  ['bhi', 7],
  ['cocm', 7],
  ['ccm_cocm', 4],
  ['apcm', 6],
  ['unenrolled', 9],
];

interface Practitioner {
  id: string;
  org: OrganizationTemplate;
  credential: string;
  role: PractitionerRole;
  canBillEM: boolean;
  department: string;
}

interface OrgStaff {
  org: OrganizationTemplate;
  physicians: Practitioner[];
  qhps: Practitioner[];
  staff: Practitioner[];
  bhcms: Practitioner[];
  consultant: Practitioner;
  psychiatrist: Practitioner;
  psychologist: Practitioner;
  admin: Practitioner;
}

interface Draft {
  event: ContractEvent;
  recordedMs: number;
  seq: number;
}

/** One program a patient is enrolled in during the generated months. */
interface Enrollment {
  program: Program;
  biller: Practitioner;
  consentId: string;
  obtained: DateTime;
  revoked?: DateTime;
  /** Minutes targets come from this profile. */
  profile: 'ccm_staff' | 'ccm_personal' | 'ccm_complex' | 'pcm' | 'bhi' | 'cocm' | 'apcm';
  carePlanId: string;
  episodeStartedOn?: string;
  /** When the care plan became known (recorded); revisions come after it. */
  planRecorded?: DateTime;
}

const ISO = { suppressMilliseconds: true } as const;
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * Generates a synthetic health system as contract events (shared/contract/EVENTS.md), in recording
 * order: the tenant's reference events first, then every patient event by `recordedAt`.
 *
 * Deterministic for a seed: each organization and patient draws from its own sub-stream, so adding a
 * patient does not change the others. Free text is generic; ids are pseudonymous. The mix follows the
 * shape of a real care-management panel: many patient-months below threshold, some exactly at the
 * thresholds (19/20, 29/30, 39/40, 59/60, CoCM 15/16/35/36), some far above the caps; entries that
 * cross local midnight at a month boundary; late entries; amendments; voids; separately billed and
 * admin-staff time; consents verbal, incomplete, revoked and re-granted; care plans of every kind with
 * substantial revisions; psychotherapy add-ons and 90863; and `MonthClaimed` submitted after each month
 * from what the billing office knew then (so late entries surface as `CLAIM_MISMATCH`).
 */
export function generateHealthSystem(options: GenerateHealthSystemOptions): ContractEvent[] {
  return new HealthSystemGenerator(options).run();
}

/** Counts per type, patients and practitioners of a generated event list. */
export function describeHealthSystem(events: readonly ContractEvent[]): HealthSystemStats {
  const byType: Record<string, number> = {};
  const patients = new Set<string>();
  for (const e of events) {
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    if (e.patientId !== undefined) patients.add(e.patientId);
  }
  return {
    events: events.length,
    patients: patients.size,
    organizations: byType['OrganizationRegistered'] ?? 0,
    practitioners: byType['PractitionerRegistered'] ?? 0,
    byType,
  };
}

class HealthSystemGenerator {
  private readonly drafts: Draft[] = [];
  private seq = 0;
  private readonly months: string[];
  private readonly untilMs: number;
  private readonly orgs: OrgStaff[] = [];
  private readonly practitionerZone = new Map<string, string>();
  private readonly referenceChronic: string[];

  constructor(private readonly o: GenerateHealthSystemOptions) {
    if (!Number.isInteger(o.seed)) throw new RangeError('generateHealthSystem: seed must be an integer');
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(o.tenantId))
      throw new RangeError('generateHealthSystem: tenantId must be lower-case letters, digits and dashes');
    if (!Number.isInteger(o.patients) || o.patients < 1)
      throw new RangeError('generateHealthSystem: patients must be a positive integer');
    for (const m of o.months) {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m))
        throw new RangeError(`generateHealthSystem: months: "${m}" is not YYYY-MM`);
    }
    this.months = [...new Set(o.months)].sort();
    if (this.months.length === 0) throw new RangeError('generateHealthSystem: months must not be empty');
    if (o.until != null && Number.isNaN(Date.parse(o.until)))
      throw new RangeError('generateHealthSystem: until must be an ISO-8601 instant');
    this.untilMs = o.until != null ? Date.parse(o.until) : Number.POSITIVE_INFINITY;
    const orgCount = o.organizations ?? 4;
    if (!Number.isInteger(orgCount) || orgCount < 2 || orgCount > ORGANIZATION_TEMPLATES.length)
      throw new RangeError(`generateHealthSystem: organizations must be 2..${ORGANIZATION_TEMPLATES.length}`);
    const indicator = o.reference?.chronicIndicator;
    const codeSet = o.reference?.codeSet;
    // A stable, sorted sample frame of chronic codes from the reference files (A-N chapters only:
    // injuries, external causes and Z codes are not what care management is billed for).
    this.referenceChronic = indicator
      ? [...indicator.entries()]
          .filter(([code, v]) => v === 1 && /^[A-N]/.test(code) && (codeSet ? codeSet.has(code) : true))
          .map(([code]) => code)
          .sort()
      : [];
  }

  run(): ContractEvent[] {
    this.registerOrganizations();
    const rng = SeededRandom.derive(this.o.seed, 'patients');
    const prefix = this.o.patientIdPrefix ?? 'P';
    const width = Math.max(4, String(this.o.patients).length);
    for (let i = 1; i <= this.o.patients; i++) {
      // The first organization is the largest; the others share the rest.
      const orgIndex = rng.chance(0.45) ? 0 : 1 + (i % (this.orgs.length - 1));
      const org = this.orgs[orgIndex] as OrgStaff;
      this.generatePatient(`${prefix}${String(i).padStart(width, '0')}`, org);
      this.o.onProgress?.(i, this.o.patients);
    }
    this.drafts.sort((a, b) => a.recordedMs - b.recordedMs || a.seq - b.seq);
    return this.drafts.filter((d) => d.recordedMs <= this.untilMs).map((d) => d.event);
  }

  // ------------------------------------------------------------------ reference data

  private registerOrganizations(): void {
    const count = this.o.organizations ?? 4;
    const perOrg = Math.max(1, Math.ceil(this.o.patients / count));
    const adminActor: Actor = { userId: 'u-admin-1', role: 'admin_staff', departmentId: 'administration' };
    // Reference data is recorded before any patient history (registrations reach ~7 years back).
    let t = this.monthStart(this.months[0] as string, 'America/New_York')
      .minus({ days: 3000 })
      .set({ hour: 6 });
    const push = (
      e: Omit<ContractEvent, 'tenantId' | 'schemaVersion' | 'occurredAt' | 'recordedAt' | 'actor'>,
    ): void => {
      t = t.plus({ minutes: 1 });
      this.add({
        ...e,
        schemaVersion: 1,
        tenantId: this.o.tenantId,
        occurredAt: t.toISO(ISO) as string,
        recordedAt: t.plus({ minutes: 2 }).toUTC().toISO(ISO) as string,
        actor: adminActor,
      } as ContractEvent);
    };
    for (const org of ORGANIZATION_TEMPLATES.slice(0, count)) {
      push({
        type: 'OrganizationRegistered',
        data: { organizationId: `ORG-${org.code}`, name: org.name, timezone: org.timezone, kind: org.kind },
      });
    }
    for (const org of ORGANIZATION_TEMPLATES.slice(0, count)) {
      const rng = SeededRandom.derive(this.o.seed, `org:${org.code}`);
      const mk = (
        prefix: string,
        n: number,
        credential: string,
        role: PractitionerRole,
        canBillEM: boolean,
        department: string,
      ): Practitioner => {
        const p: Practitioner = {
          id: `${prefix}-${org.code}${n}`,
          org,
          credential,
          role,
          canBillEM,
          department,
        };
        push({
          type: 'PractitionerRegistered',
          data: { practitionerId: p.id, organizationId: `ORG-${org.code}`, credential, role, canBillEM },
        });
        this.practitionerZone.set(p.id, org.timezone);
        return p;
      };
      const range = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);
      const physicians = range(Math.max(2, Math.ceil(perOrg / 150))).map((n) =>
        mk('DR', n, rng.chance(0.8) ? 'MD' : 'DO', 'physician', true, 'primary-care'),
      );
      const qhps = range(Math.max(1, Math.ceil(perOrg / 250))).map((n) =>
        n % 2 === 1
          ? mk('NP', n, 'NP', 'qhp', true, 'primary-care')
          : mk('PA', n, 'PA', 'qhp', true, 'primary-care'),
      );
      const staffCredentials = ['RN', 'LPN', 'MA'];
      const staff = range(Math.max(2, Math.ceil(perOrg / 80))).map((n) => {
        const cred = staffCredentials[(n - 1) % 3] as string;
        return mk(cred, n, cred, 'clinical_staff', false, 'care-management');
      });
      const bhcms = range(Math.max(1, Math.ceil(perOrg / 300))).map((n) =>
        mk('BHCM', n, 'LCSW', 'bhcm', false, 'behavioral-health'),
      );
      const consultant = mk('PSYC', 1, 'MD', 'psychiatric_consultant', true, 'behavioral-health');
      const psychiatrist = mk('PSYT', 1, 'MD', 'physician', true, 'behavioral-health');
      const psychologist = mk('PSYD', 1, 'CP', 'qhp', false, 'behavioral-health');
      const admin = mk('ADM', 1, 'MA', 'admin_staff', false, 'administration');
      this.orgs.push({ org, physicians, qhps, staff, bhcms, consultant, psychiatrist, psychologist, admin });
    }
  }

  // ------------------------------------------------------------------ patients

  private generatePatient(patientId: string, os: OrgStaff): void {
    const rng = SeededRandom.derive(this.o.seed, `patient:${patientId}`);
    const zone = os.org.timezone;
    const archetype = rng.weighted(ARCHETYPES);
    const firstMonth = this.monthStart(this.months[0] as string, zone);
    const pcp = rng.chance(0.75) ? rng.pick(os.physicians) : rng.pick(os.qhps);
    const secondPhysician = os.physicians.find((p) => p.id !== pcp.id) ?? pcp;
    const staff = rng.sample(os.staff, rng.int(1, 2));
    const bhcm = rng.pick(os.bhcms);
    const ctx = new PatientContext(this, patientId, os, rng);

    // Registration 1-7 years before the first month.
    const registered = firstMonth
      .minus({ days: rng.int(400, 2500) })
      .set({ hour: rng.int(8, 16), minute: rng.pick([0, 15, 30, 45]) });
    ctx.emit('PatientRegistered', registered, registered.plus({ minutes: rng.int(3, 30) }), frontDesk(os), {
      organizationId: `ORG-${os.org.code}`,
      ...(rng.chance(0.2) ? { qmb: true } : rng.chance(0.5) ? { qmb: false } : {}),
    });

    // Conditions.
    const codes = this.conditionsFor(archetype, rng);
    codes.forEach((c, k) => {
      const diagnosed = registered
        .plus({ days: rng.int(-200, 900) })
        .set({ hour: 10, minute: rng.pick([0, 15, 30]) });
      const dx =
        diagnosed > firstMonth.minus({ days: 20 }) ? firstMonth.minus({ days: rng.int(20, 300) }) : diagnosed;
      const recorded = DateTime.max(dx.plus({ hours: rng.int(1, 30) }), registered.plus({ minutes: 40 + k }));
      const conditionId = `${patientId}-C${k + 1}`;
      ctx.emit('ConditionDiagnosed', dx, recorded, clinician(pcp), {
        conditionId,
        icd10: c.template.icd10,
        diagnosedOn: dx.toISODate(),
        ...(c.highRisk ? { highRisk: true } : {}),
        ...(c.chronicOverride !== undefined ? { chronic: c.chronicOverride } : {}),
      });
      if (!c.template.chronic && !c.template.behavioral && c.chronicOverride === undefined) {
        const resolved = dx.plus({ days: rng.int(7, 60) });
        // A resolution is learned after the diagnosis it resolves (which may itself be recorded only at
        // registration, for conditions diagnosed before the patient joined).
        const resolutionRecorded = DateTime.max(
          resolved.plus({ hours: rng.int(1, 48) }),
          recorded.plus({ minutes: 5 }),
        );
        ctx.emit('ConditionResolved', resolved, resolutionRecorded, clinician(pcp), {
          conditionId,
          resolvedOn: resolved.toISODate(),
        });
      }
    });

    // Enrollments: consent (with or without an initiating visit), care plan.
    const enrollments: Enrollment[] = [];
    const enroll = (
      program: Program,
      biller: Practitioner,
      profile: Enrollment['profile'],
      when: 'before' | 'during',
    ): void => {
      const k = enrollments.length + 1;
      const obtained =
        when === 'before'
          ? firstMonth
              .minus({ days: rng.int(25, 540) })
              .set({ hour: rng.int(9, 16), minute: rng.pick([0, 10, 20, 30, 40, 50]) })
          : this.monthStart(rng.pick(this.months), zone)
              .plus({ days: rng.int(2, 18) })
              .set({ hour: rng.int(9, 16), minute: rng.pick([0, 15, 30, 45]) });
      const initiating = rng.chance(0.92);
      if (initiating) {
        const visit = obtained
          .minus({ days: rng.int(0, 300) })
          .set({ hour: rng.int(8, 15), minute: rng.pick([0, 20, 40]) });
        ctx.encounter(visit, biller, rng.chance(0.8) ? 'em_office' : 'awv', program);
      } else {
        // No qualifying visit in the 12 months before consent: only time from the next visit counts.
        const visit = obtained.plus({ days: rng.int(5, 25) }).set({ hour: rng.int(8, 15), minute: 0 });
        ctx.encounter(visit, biller, 'em_office', program);
      }
      const consentId = `${patientId}-CN${k}`;
      const episode =
        program === 'CoCM'
          ? obtained.plus({ days: rng.chance(0.7) ? 0 : rng.int(1, 10) }).toISODate()
          : undefined;
      ctx.emit('ConsentGranted', obtained, obtained.plus({ minutes: rng.int(5, 240) }), clinician(biller), {
        consentId,
        program,
        billingPractitionerId: biller.id,
        method: rng.chance(0.35) ? 'verbal' : 'written',
        obtainedAt: obtained.toISO(ISO) as string,
        costSharingExplained: !rng.chance(0.03),
        ...(episode ? { episodeStartedOn: episode } : {}),
      } satisfies ConsentGranted['data']);
      const carePlanId = `${patientId}-CP${k}`;
      let planRecorded: DateTime | undefined;
      if (program !== 'APCM') {
        const kind =
          program === 'CCM'
            ? 'comprehensive'
            : program === 'PCM'
              ? 'disease_specific'
              : program === 'BHI'
                ? 'behavioral'
                : 'cocm_treatment';
        const planKey = program as 'CCM' | 'PCM' | 'BHI' | 'CoCM';
        const est = obtained
          .plus({ days: rng.chance(0.6) ? 0 : rng.int(1, 12) })
          .set({ hour: rng.int(10, 16), minute: 0 });
        planRecorded = est.plus({ minutes: rng.int(10, 600) });
        ctx.emit('CarePlanEstablished', est, planRecorded, clinician(biller), {
          carePlanId,
          program,
          kind,
          establishedOn: est.toISODate(),
          authorId: biller.id,
          problems: rng.sample(CARE_PLAN_TEXT.problems[planKey], rng.int(1, 2)),
          goals: rng.sample(CARE_PLAN_TEXT.goals[planKey], rng.int(1, 2)),
          interventions: rng.sample(CARE_PLAN_TEXT.interventions[planKey], rng.int(1, 2)),
          sharedWithPatient: !rng.chance(0.05),
          ...(rng.chance(0.3) ? { mdm: rng.pick(['low', 'moderate', 'high'] as const) } : {}),
        });
      }
      const enrollment: Enrollment = {
        program,
        biller,
        consentId,
        obtained,
        profile,
        carePlanId,
        ...(episode ? { episodeStartedOn: episode } : {}),
        ...(planRecorded ? { planRecorded } : {}),
      };
      enrollments.push(enrollment);
      // Some consents are revoked mid-month; half of those are granted again later.
      if (rng.chance(0.035)) {
        const revoked = this.monthStart(rng.pick(this.months), zone).plus({
          days: rng.int(7, 22),
          hours: rng.int(9, 16),
        });
        if (revoked > obtained) {
          enrollment.revoked = revoked;
          ctx.emit(
            'ConsentRevoked',
            revoked,
            revoked.plus({ minutes: rng.int(10, 300) }),
            clinician(rng.pick(staff)),
            {
              consentId,
              revokedAt: revoked.toISO(ISO),
            },
          );
          if (rng.chance(0.5)) {
            const again = revoked.plus({ days: rng.int(3, 15) }).set({ hour: rng.int(9, 16), minute: 0 });
            const againId = `${patientId}-CN${k}R`;
            ctx.emit('ConsentGranted', again, again.plus({ minutes: rng.int(5, 120) }), clinician(biller), {
              consentId: againId,
              program,
              billingPractitionerId: biller.id,
              method: 'written',
              obtainedAt: again.toISO(ISO) as string,
              costSharingExplained: true,
              ...(episode ? { episodeStartedOn: episode } : {}),
            } satisfies ConsentGranted['data']);
            enrollments.push({ ...enrollment, consentId: againId, obtained: again, revoked: undefined });
          }
        }
      }
    };

    switch (archetype) {
      case 'ccm_staff':
      case 'ccm_personal':
      case 'ccm_complex':
        enroll('CCM', pcp, archetype, 'before');
        break;
      case 'ccm_new':
        enroll('CCM', pcp, 'ccm_staff', 'during');
        break;
      case 'pcm':
        enroll('PCM', pcp, 'pcm', 'before');
        break;
      case 'bhi':
        enroll('BHI', pcp, 'bhi', 'before');
        break;
      case 'cocm':
        enroll('CoCM', pcp, 'cocm', rng.chance(0.3) ? 'during' : 'before');
        break;
      case 'ccm_cocm':
        enroll('CCM', pcp, 'ccm_staff', 'before');
        enroll('CoCM', secondPhysician, 'cocm', 'before');
        break;
      case 'apcm':
        enroll('APCM', pcp, 'apcm', 'before');
        break;
      case 'unenrolled':
        break;
    }

    for (const month of this.months) {
      this.generateMonth(ctx, month, archetype, enrollments, { pcp, staff, bhcm });
    }
  }

  private conditionsFor(
    archetype: Archetype,
    rng: SeededRandom,
  ): { template: CodeTemplate; highRisk?: boolean; chronicOverride?: boolean }[] {
    const pickDistinct = (pool: readonly CodeTemplate[], n: number, taken: Set<string>): CodeTemplate[] => {
      const out: CodeTemplate[] = [];
      for (let tries = 0; out.length < n && tries < 50; tries++) {
        const c = rng.weighted(
          pool.filter((x) => this.codeAllowed(x.icd10)).map((x) => [x, x.weight] as const),
        );
        const cat = c.icd10.slice(0, 3);
        if (taken.has(cat)) continue;
        taken.add(cat);
        out.push(c);
      }
      return out;
    };
    const taken = new Set<string>();
    const out: { template: CodeTemplate; highRisk?: boolean; chronicOverride?: boolean }[] = [];
    const chronicCount =
      archetype === 'pcm'
        ? 1
        : archetype === 'bhi' || archetype === 'cocm'
          ? rng.int(0, 2)
          : archetype === 'apcm'
            ? rng.int(0, 3)
            : rng.int(2, 5);
    const chronic = pickDistinct(CHRONIC_CODES, chronicCount, taken);
    for (const c of chronic)
      out.push({ template: c, ...(archetype === 'pcm' && c.highRiskCandidate ? { highRisk: true } : {}) });
    if (archetype === 'pcm' && out[0] && !out[0].highRisk) out[0].highRisk = true;
    // A CCM patient occasionally has only one chronic category (E11.9 with E11.22): not eligible.
    if (archetype.startsWith('ccm') && rng.chance(0.04)) {
      const e11 = (icd10: string): CodeTemplate => ({
        icd10,
        chronic: true,
        behavioral: false,
        highRiskCandidate: true,
        weight: 1,
      });
      out.splice(0, out.length, { template: e11('E11.9') }, { template: e11('E11.22') });
      taken.clear();
      taken.add('E11');
    }
    // Sample a less common chronic code from the reference indicator for variety.
    if (this.referenceChronic.length > 0 && out.length > 0 && rng.chance(0.08)) {
      const code = rng.pick(this.referenceChronic);
      const dotted = code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code;
      if (!taken.has(code.slice(0, 3))) {
        out.push({
          template: {
            icd10: dotted,
            chronic: true,
            behavioral: code.startsWith('F'),
            highRiskCandidate: false,
            weight: 1,
          },
        });
      }
    }
    if (archetype === 'bhi' || archetype === 'cocm' || archetype === 'ccm_cocm' || rng.chance(0.08)) {
      for (const c of pickDistinct(
        BEHAVIORAL_CODES,
        archetype === 'bhi' || archetype === 'cocm' ? rng.int(1, 2) : 1,
        taken,
      ))
        out.push({ template: c });
    }
    if (rng.chance(0.35)) for (const c of pickDistinct(ACUTE_CODES, 1, taken)) out.push({ template: c });
    // A clinician's explicit override on a code the indicator does not call chronic.
    if (rng.chance(0.02))
      out.push({
        template: { icd10: 'R73.03', chronic: false, behavioral: false, highRiskCandidate: false, weight: 1 },
        chronicOverride: true,
      });
    return out;
  }

  private codeAllowed(icd10: string): boolean {
    const set = this.o.reference?.codeSet;
    return !set || set.has(icd10.replace('.', ''));
  }

  // ------------------------------------------------------------------ one patient-month

  private generateMonth(
    ctx: PatientContext,
    month: string,
    archetype: Archetype,
    enrollments: Enrollment[],
    team: { pcp: Practitioner; staff: Practitioner[]; bhcm: Practitioner },
  ): void {
    const rng = ctx.rng;
    const zone = ctx.os.org.timezone;
    const start = this.monthStart(month, zone);
    const end = start.plus({ months: 1 });
    const randomTime = (from: DateTime = start): DateTime => {
      const span = Math.max(1, Math.floor(end.diff(from, 'days').days));
      const d = from.startOf('day').plus({ days: rng.int(0, span - 1) });
      let t = d.set({
        hour: rng.int(8, 17),
        minute: rng.pick([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]),
      });
      if (t < from) t = from.plus({ minutes: rng.int(5, 120) });
      return t;
    };

    // Visits of the month.
    if (rng.chance(0.25)) ctx.encounter(randomTime(), team.pcp, rng.chance(0.85) ? 'em_office' : 'awv');
    if (rng.chance(0.05)) ctx.encounter(randomTime(), team.pcp, 'other');

    const active = enrollments.filter(
      (en) => en.obtained < end && (en.revoked === undefined || en.revoked > start),
    );
    const timed = new Map<string, Enrollment>();
    for (const en of active) timed.set(`${en.program}|${en.biller.id}`, en); // latest consent wins
    for (const en of timed.values()) {
      const from = en.obtained > start ? en.obtained : start;
      const monthEnd = en.revoked !== undefined && en.revoked < end ? en.revoked : end;
      if (monthEnd <= from) continue;
      const target = this.targetMinutes(en, month, rng);
      const performers = this.performersFor(en, team, ctx.os);
      let remaining = target;
      while (remaining > 0) {
        const chunk = remaining <= 45 && rng.chance(0.5) ? remaining : Math.min(remaining, rng.int(3, 45));
        remaining -= chunk;
        const performer = rng.pick(performers);
        let at = randomTime(from);
        if (at >= monthEnd) at = from.plus({ minutes: rng.int(1, 60) });
        ctx.logTime(en, performer, at, chunk, { lateEntries: this.o.lateEntries !== false });
      }
      // Care-plan revisions; complex CCM needs a substantial revision with moderate/high MDM this month.
      if (en.program !== 'APCM') {
        const complex = en.profile === 'ccm_complex' && rng.chance(0.75);
        if (complex || rng.chance(0.08)) {
          // a plan established late in the month is revised only after it exists
          const drawn = randomTime(from);
          const on =
            en.planRecorded && drawn <= en.planRecorded
              ? en.planRecorded.plus({ minutes: rng.int(30, 240) })
              : drawn;
          const changes: Record<string, string[]> = {};
          const key = en.program as 'CCM' | 'PCM' | 'BHI' | 'CoCM';
          changes[rng.pick(['goals', 'interventions', 'problems'] as const)] = rng.sample(
            CARE_PLAN_TEXT.goals[key],
            1,
          );
          ctx.emit('CarePlanRevised', on, on.plus({ minutes: rng.int(5, 300) }), clinician(en.biller), {
            carePlanId: en.carePlanId,
            revisedOn: on.toISODate(),
            authorId: en.biller.id,
            changes,
            substantial: complex || rng.chance(0.4),
            ...(complex
              ? { mdm: rng.pick(['moderate', 'high'] as const) }
              : rng.chance(0.3)
                ? { mdm: 'low' }
                : {}),
          });
        }
      }
      // Staff who keep logging after a revocation (AFTER_REVOCATION).
      if (en.revoked !== undefined && en.revoked > start && en.revoked < end && rng.chance(0.5)) {
        const after = en.revoked.plus({ days: rng.int(1, 5) });
        if (after < end)
          ctx.logTime(en, rng.pick(performers), after.set({ hour: 10, minute: 0 }), rng.int(5, 25), {
            lateEntries: false,
          });
      }
      // Minutes before the consent in its first month (BEFORE_CONSENT).
      if (en.obtained > start && en.obtained < end && rng.chance(0.6)) {
        const before = start
          .plus({ days: rng.int(0, Math.max(0, Math.floor(en.obtained.diff(start, 'days').days) - 1)) })
          .set({ hour: 9, minute: 0 });
        if (before < en.obtained)
          ctx.logTime(en, rng.pick(performers), before, rng.int(5, 20), { lateEntries: false });
      }
    }

    // Time logged without any consent (NO_CONSENT) for some unenrolled patients.
    if (archetype === 'unenrolled' && rng.chance(0.4)) {
      const fake: Enrollment = {
        program: 'CCM',
        biller: team.pcp,
        consentId: '',
        obtained: start,
        profile: 'ccm_staff',
        carePlanId: '',
      };
      ctx.logTime(fake, rng.pick(team.staff), randomTime(), rng.int(5, 35), { lateEntries: false });
    }
    // APCM patients whose staff still log CCM time under the APCM practitioner (EXCLUSIVE_CHOICE).
    const apcm = active.find((en) => en.program === 'APCM');
    if (apcm && rng.chance(0.15)) {
      ctx.logTime({ ...apcm, program: 'CCM' }, rng.pick(team.staff), randomTime(), rng.int(10, 30), {
        lateEntries: false,
      });
    }

    const anyTimed = [...timed.values()].find((en) => en.program !== 'APCM');
    if (anyTimed) {
      // Noise that never counts: admin staff, separately billed, TCM/RPM, a role the program does not count.
      if (rng.chance(0.06))
        ctx.logTime(anyTimed, ctx.os.admin, randomTime(), rng.int(5, 25), { lateEntries: false });
      if (rng.chance(0.03))
        ctx.logTime(anyTimed, rng.pick(team.staff), randomTime(), rng.int(10, 30), {
          lateEntries: false,
          separatelyBilledAs: rng.pick(SEPARATELY_BILLED_CODES),
        });
      if (rng.chance(0.02))
        ctx.logTime(
          { ...anyTimed, program: rng.pick(['TCM', 'RPM'] as const) },
          rng.pick(team.staff),
          randomTime(),
          rng.int(10, 30),
          { lateEntries: false },
        );
      if (rng.chance(0.015))
        ctx.logTime({ ...anyTimed, program: 'CCM' }, team.bhcm, randomTime(), rng.int(10, 25), {
          lateEntries: false,
        });
      // An entry crossing local midnight into the next month: split between both months.
      if (rng.chance(0.03)) {
        const late = end.minus({ days: 1 }).set({ hour: 23, minute: rng.pick([35, 40, 45, 50]) });
        const performer = anyTimed.program === 'CoCM' ? team.bhcm : rng.pick(team.staff);
        ctx.logTime(anyTimed, performer, late, rng.int(20, 45), { lateEntries: false });
      }
    }

    // Behavioral-health visits with psychotherapy add-ons, and 90863 by a psychologist.
    const behavioral = active.some((en) => en.program === 'BHI' || en.program === 'CoCM');
    if (behavioral && rng.chance(0.25)) {
      const at = randomTime();
      const encounterId = ctx.encounter(at, ctx.os.psychiatrist, 'em_office');
      ctx.emit(
        'PsychotherapyProvided',
        at,
        at.plus({ minutes: rng.int(60, 400) }),
        clinician(ctx.os.psychiatrist),
        {
          encounterId,
          practitionerId: ctx.os.psychiatrist.id,
          on: at.toISODate(),
          minutes: rng.pick([10, 15, 16, 25, 37, 38, 45, 52, 53, 60]),
          withEM: !rng.chance(0.1),
        },
      );
    }
    if (behavioral && rng.chance(0.08)) {
      const at = randomTime();
      const byPhysician = rng.chance(0.25);
      const who = byPhysician ? ctx.os.psychiatrist : ctx.os.psychologist;
      const encounterId = ctx.encounter(at, who, 'other');
      ctx.emit('PsychotherapyProvided', at, at.plus({ minutes: rng.int(60, 400) }), clinician(who), {
        encounterId,
        practitionerId: who.id,
        on: at.toISODate(),
        minutes: rng.int(30, 55),
        withEM: false,
      });
      ctx.emit(
        'PharmacologicManagementProvided',
        at,
        at.plus({ minutes: rng.int(60, 400) }),
        clinician(who),
        {
          encounterId,
          practitionerId: who.id,
          on: at.toISODate(),
        },
      );
    }

    // The billing office submits after month end from what it knows then.
    if (this.o.claims !== false && (enrollments.length > 0 || archetype === 'unenrolled')) {
      const submitted = end
        .plus({ days: rng.int(2, 11) })
        .set({ hour: rng.int(9, 16), minute: rng.pick([0, 15, 30, 45]) });
      if (rng.chance(0.92)) ctx.submitClaims(month, submitted);
    }
  }

  /** Target counted minutes for a patient-month: the realistic mix described in ADR 0701. */
  private targetMinutes(en: Enrollment, month: string, rng: SeededRandom): number {
    const edges: Record<Enrollment['profile'], number[]> = {
      ccm_staff: [19, 20, 39, 40, 59, 60, 61],
      ccm_personal: [29, 30, 59, 60],
      ccm_complex: [59, 60, 89, 90],
      pcm: [29, 30, 59, 60],
      bhi: [19, 20],
      cocm:
        en.episodeStartedOn?.slice(0, 7) === month
          ? [15, 16, 35, 36, 70, 71, 86]
          : [15, 16, 30, 31, 60, 61, 76],
      apcm: [10, 20, 30],
    };
    const threshold = {
      ccm_staff: 20,
      ccm_personal: 30,
      ccm_complex: 60,
      pcm: 30,
      bhi: 20,
      cocm: 16,
      apcm: 20,
    }[en.profile];
    const bucket = rng.weighted([
      ['zero', 8],
      ['under', 32],
      ['edge', 18],
      ['typical', 32],
      ['far', 10],
    ] as const);
    switch (bucket) {
      case 'zero':
        return 0;
      case 'under':
        return rng.int(1, threshold - 1);
      case 'edge':
        return rng.pick(edges[en.profile]);
      case 'typical':
        return rng.int(threshold, threshold * 2 + 5);
      case 'far':
        return rng.int(Math.max(90, threshold * 3), 200);
    }
  }

  private performersFor(
    en: Enrollment,
    team: { pcp: Practitioner; staff: Practitioner[]; bhcm: Practitioner },
    os: OrgStaff,
  ): Practitioner[] {
    switch (en.profile) {
      case 'ccm_personal':
        return [en.biller];
      case 'cocm':
        return [team.bhcm, team.bhcm, team.bhcm, os.consultant];
      case 'ccm_staff':
        return [...team.staff, ...team.staff, ...team.staff, en.biller];
      default:
        return [...team.staff];
    }
  }

  monthStart(month: string, zone: string): DateTime {
    const [y, m] = month.split('-').map(Number) as [number, number];
    return DateTime.fromObject({ year: y, month: m, day: 1 }, { zone: cachedZone(zone) });
  }

  zoneOf(practitionerId: string): string {
    return this.practitionerZone.get(practitionerId) ?? 'UTC';
  }

  add(event: ContractEvent): void {
    this.drafts.push({ event, recordedMs: Date.parse(event.recordedAt), seq: this.seq++ });
  }

  get tenantId(): string {
    return this.o.tenantId;
  }

  isChronic(icd10: string): boolean {
    const code = icd10.replace('.', '').toUpperCase();
    // The engine's own default (chronic only when in the code set and marked 1 by the indicator):
    // the billing office's estimate must not count an UNKNOWN_ICD10 code as chronic either.
    const reference = this.o.reference;
    if (reference?.chronicIndicator) return chronicByDefault(reference, code);
    const all = [...CHRONIC_CODES, ...BEHAVIORAL_CODES, ...ACUTE_CODES];
    return all.find((c) => c.icd10.replace('.', '') === code)?.chronic ?? false;
  }
}

/** Per-patient emission helpers: ids, actors, recording delays, corrections. */
class PatientContext {
  private entries = 0;
  private encounters = 0;
  private registeredAt: DateTime<boolean> | undefined;
  /** The patient's events, for the billing office's estimate. */
  readonly events: ContractEvent[] = [];

  constructor(
    private readonly g: HealthSystemGenerator,
    readonly patientId: string,
    readonly os: OrgStaff,
    readonly rng: SeededRandom,
  ) {}

  emit(
    type: ContractEvent['type'],
    occurred: DateTime,
    recorded: DateTime,
    actor: Actor,
    data: object,
  ): void {
    // Nothing about a patient is recorded before the patient is (a visit from before registration is
    // entered afterwards, as history): the patient stream would refuse it.
    let known: DateTime<boolean> = DateTime.max(recorded, occurred);
    if (type === 'PatientRegistered') this.registeredAt = known;
    else if (this.registeredAt && known <= this.registeredAt)
      known = this.registeredAt.plus({ minutes: 1 + this.events.length });
    const recordedAt = known.toUTC().toISO(ISO) as string;
    const event = {
      type,
      schemaVersion: 1,
      tenantId: this.g.tenantId,
      patientId: this.patientId,
      occurredAt: occurred.toISO(ISO) as string,
      recordedAt,
      actor,
      data,
    } as ContractEvent;
    this.events.push(event);
    this.g.add(event);
  }

  encounter(at: DateTime, who: Practitioner, kind: 'em_office' | 'awv' | 'other', program?: Program): string {
    const encounterId = `${this.patientId}-V${++this.encounters}`;
    this.emit('EncounterCompleted', at, at.plus({ minutes: this.rng.int(20, 480) }), clinician(who), {
      encounterId,
      kind,
      practitionerId: who.id,
      on: at.toISODate(),
      ...(program && this.rng.chance(0.5) ? { programsDiscussed: [program] } : {}),
    });
    return encounterId;
  }

  logTime(
    en: Pick<Enrollment, 'program' | 'biller'>,
    performer: Practitioner,
    at: DateTime,
    minutes: number,
    opts: { lateEntries: boolean; separatelyBilledAs?: string },
  ): void {
    const rng = this.rng;
    const entryId = `${this.patientId}-E${++this.entries}`;
    const late = opts.lateEntries && rng.chance(0.06);
    const delayMs = late
      ? rng.int(14, 42) * DAY + rng.int(0, 600) * MINUTE
      : rng.weighted([
          [rng.int(2, 30) * MINUTE, 6],
          [rng.int(30, 600) * MINUTE, 3],
          [rng.int(1, 3) * DAY, 1],
        ] as const);
    const recorded = at.plus({ minutes }).plus({ milliseconds: delayMs });
    // Corrections: the logged values are wrong and a later amendment sets the real ones.
    const amend = rng.chance(0.04);
    const amendMinutes = amend && rng.chance(0.7);
    // the logged value must differ from the real one, or the amendment would change nothing (refused)
    const wrong = amendMinutes
      ? Math.min(1440, Math.max(1, minutes + rng.pick([-10, -5, 5, 10, 30])))
      : minutes;
    const loggedMinutes =
      amendMinutes && wrong === minutes ? (minutes > 1 ? minutes - 1 : minutes + 5) : wrong;
    const loggedAt = amend && !amendMinutes ? at.minus({ days: rng.int(1, 5) }) : at;
    const activities: readonly string[] =
      performer.role === 'admin_staff'
        ? ACTIVITIES.admin
        : en.program === 'CoCM' && performer.role === 'psychiatric_consultant'
          ? ACTIVITIES.CoCM_consultant
          : ACTIVITIES[en.program];
    const data: CareTimeLogged['data'] = {
      entryId,
      program: en.program,
      performerId: performer.id,
      performerRole: performer.role,
      billingPractitionerId: en.biller.id,
      startedAt: loggedAt.toISO(ISO) as string,
      minutes: loggedMinutes,
      activity: rng.pick(activities),
      ...(opts.separatelyBilledAs ? { separatelyBilledAs: opts.separatelyBilledAs } : {}),
    };
    this.emit('CareTimeLogged', loggedAt, recorded, clinician(performer), data);
    if (amend) {
      const when = recorded.plus({ days: rng.int(1, 6), minutes: rng.int(0, 300) });
      this.emit('CareTimeAmended', when, when.plus({ minutes: rng.int(1, 10) }), clinician(performer), {
        entryId,
        ...(amendMinutes ? { minutes } : { startedAt: at.toISO(ISO) }),
        reason: amendMinutes ? rng.pick([AMEND_REASONS[0], AMEND_REASONS[1]]) : AMEND_REASONS[2],
      });
    }
    // A duplicate entry, voided later.
    if (rng.chance(0.03)) {
      const dupId = `${this.patientId}-E${++this.entries}`;
      const dupRecorded = recorded.plus({ minutes: rng.int(1, 20) });
      this.emit('CareTimeLogged', at, dupRecorded, clinician(performer), {
        ...data,
        entryId: dupId,
        startedAt: at.toISO(ISO),
        minutes,
      });
      const when = dupRecorded.plus({ hours: rng.int(1, 72) });
      this.emit('CareTimeVoided', when, when.plus({ minutes: rng.int(1, 10) }), clinician(performer), {
        entryId: dupId,
        reason: rng.pick(VOID_REASONS),
      });
    }
  }

  submitClaims(month: string, submitted: DateTime): void {
    const knownMs = submitted.toMillis();
    const known = this.events.filter((e) => Date.parse(e.recordedAt) <= knownMs);
    const claims = estimateClaims({
      events: known,
      month,
      zoneOfPractitioner: (id) => this.g.zoneOf(id),
      isChronic: (code) => this.g.isChronic(code),
    });
    const billing: Actor = {
      userId: `u-billing-${this.os.org.code.toLowerCase()}`,
      role: 'admin_staff',
      departmentId: 'billing',
    };
    for (const c of claims) {
      // A few claims are keyed wrongly by the billing office (one unit short).
      const lines = this.rng.chance(0.02)
        ? c.lines.map((l, i) => (i === c.lines.length - 1 && l.units > 1 ? { ...l, units: l.units - 1 } : l))
        : c.lines;
      this.emit('MonthClaimed', submitted, submitted.plus({ minutes: this.rng.int(1, 30) }), billing, {
        month,
        program: c.program,
        billingPractitionerId: c.billingPractitionerId,
        lines,
      });
    }
  }
}

function clinician(p: Practitioner): Actor {
  return { userId: `u-${p.id.toLowerCase()}`, role: p.role, departmentId: p.department };
}

function frontDesk(os: OrgStaff): Actor {
  return {
    userId: `u-frontdesk-${os.org.code.toLowerCase()}`,
    role: 'admin_staff',
    departmentId: 'registration',
  };
}
