import { DateTime } from 'luxon';
import type { ContractEvent, Program } from '@careledger/domain';
import { cachedZone } from './cached-zone';

/**
 * The synthetic billing office: what a practice's billing software would submit as `MonthClaimed`
 * for one patient-month, from the events it knew at submission time.
 *
 * It is deliberately NOT the rules engine (libs/domain `determineMonth`): claims are an outside
 * system's opinion, and the engine is what audits them. It follows RULES.md closely enough that a
 * claim matches the engine when nothing changed after submission, so that `CLAIM_MISMATCH` in the
 * generated data comes mostly from late entries and corrections recorded after the claim (the case
 * the audit exists for). Known simplifications: provider-of-record conflicts and exclusive choices
 * between programs are not modelled (the generator never creates them for billed programs), and a
 * condition's chronic status comes from the `isChronic` callback.
 */
export interface ClaimEstimateInput {
  /** The patient's events known at submission time (any order). */
  events: readonly ContractEvent[];
  month: string;
  /** IANA zone of each billing practitioner's organization. */
  zoneOfPractitioner: (practitionerId: string) => string;
  /** Chronic status of an ICD-10-CM code without override (reference indicator or catalogue). */
  isChronic: (icd10: string) => boolean;
}

/** One claim the billing office would submit. */
export interface EstimatedClaim {
  program: Program;
  billingPractitionerId: string;
  lines: { code: string; units: number }[];
}

/** CMS national non-facility amounts (shared/data/README.md), used only to pick the higher-value family. */
const FEE: Record<'CY2025' | 'CY2026', Record<string, number>> = {
  CY2025: {
    '99490': 60.49,
    '99439': 45.93,
    '99491': 82.16,
    '99437': 57.58,
    '99424': 80.87,
    '99425': 58.87,
    '99426': 61.78,
    '99427': 50.46,
  },
  CY2026: {
    '99490': 66.13,
    '99439': 50.44,
    '99491': 89.18,
    '99437': 63.13,
    '99424': 87.51,
    '99425': 61.46,
    '99426': 67.8,
    '99427': 54.11,
  },
};

const QUALIFYING_VISITS = new Set(['em_office', 'awv', 'ippe', 'tcm']);
const TIMED_PROGRAMS: readonly Program[] = ['CCM', 'PCM', 'BHI', 'CoCM'];

interface ConsentInfo {
  consentId: string;
  program: Program;
  practitionerId: string;
  obtainedMs: number;
  obtainedAt: string;
  revokedMs: number;
  complete: boolean;
  episodeStartedOn?: string;
}

interface EntryInfo {
  entryId: string;
  program: Program;
  performerId: string;
  performerRole: string;
  billingPractitionerId: string;
  startedAt: string;
  minutes: number;
  voided: boolean;
  separatelyBilled: boolean;
}

/** Estimates the claims of one patient-month. Pure and deterministic. */
export function estimateClaims(input: ClaimEstimateInput): EstimatedClaim[] {
  const { events, month } = input;
  const consents = new Map<string, ConsentInfo>();
  const entries = new Map<string, EntryInfo>();
  const plans = new Map<string, { program: Program; kind: string; establishedOn: string }>();
  const complexMarks: { carePlanId: string; on: string }[] = [];
  const conditions = new Map<
    string,
    {
      category: string;
      chronic: boolean;
      behavioral: boolean;
      highRisk: boolean;
      on: string;
      resolvedOn?: string;
    }
  >();
  const visits: { practitionerId: string; on: string }[] = [];
  let qmb = false;

  for (const e of events) {
    switch (e.type) {
      case 'PatientRegistered':
        qmb = e.data.qmb === true;
        break;
      case 'ConditionDiagnosed': {
        const code = e.data.icd10.replace('.', '').toUpperCase();
        conditions.set(e.data.conditionId, {
          category: code.slice(0, 3),
          chronic: e.data.chronic ?? input.isChronic(code),
          behavioral: e.data.behavioral ?? code.startsWith('F'),
          highRisk: e.data.highRisk === true,
          on: e.data.diagnosedOn,
        });
        break;
      }
      case 'ConditionResolved': {
        const c = conditions.get(e.data.conditionId);
        if (c) c.resolvedOn = e.data.resolvedOn;
        break;
      }
      case 'EncounterCompleted':
        if (QUALIFYING_VISITS.has(e.data.kind))
          visits.push({ practitionerId: e.data.practitionerId, on: e.data.on });
        break;
      case 'ConsentGranted':
        consents.set(e.data.consentId, {
          consentId: e.data.consentId,
          program: e.data.program,
          practitionerId: e.data.billingPractitionerId,
          obtainedMs: Date.parse(e.data.obtainedAt),
          obtainedAt: e.data.obtainedAt,
          revokedMs: Number.POSITIVE_INFINITY,
          complete: e.data.costSharingExplained,
          ...(e.data.episodeStartedOn ? { episodeStartedOn: e.data.episodeStartedOn } : {}),
        });
        break;
      case 'ConsentRevoked': {
        const c = consents.get(e.data.consentId);
        if (c) c.revokedMs = Date.parse(e.data.revokedAt);
        break;
      }
      case 'CarePlanEstablished':
        plans.set(e.data.carePlanId, {
          program: e.data.program,
          kind: e.data.kind,
          establishedOn: e.data.establishedOn,
        });
        if (e.data.mdm === 'moderate' || e.data.mdm === 'high')
          complexMarks.push({ carePlanId: e.data.carePlanId, on: e.data.establishedOn });
        break;
      case 'CarePlanRevised':
        if (e.data.substantial && (e.data.mdm === 'moderate' || e.data.mdm === 'high'))
          complexMarks.push({ carePlanId: e.data.carePlanId, on: e.data.revisedOn });
        break;
      case 'CareTimeLogged':
        entries.set(e.data.entryId, {
          entryId: e.data.entryId,
          program: e.data.program,
          performerId: e.data.performerId,
          performerRole: e.data.performerRole,
          billingPractitionerId: e.data.billingPractitionerId,
          startedAt: e.data.startedAt,
          minutes: e.data.minutes,
          voided: false,
          separatelyBilled: e.data.separatelyBilledAs !== undefined,
        });
        break;
      case 'CareTimeAmended': {
        const en = entries.get(e.data.entryId);
        if (!en) break;
        if (e.data.minutes !== undefined) en.minutes = e.data.minutes;
        if (e.data.startedAt !== undefined) en.startedAt = e.data.startedAt;
        if (e.data.program !== undefined) en.program = e.data.program;
        if (e.data.performerRole !== undefined) en.performerRole = e.data.performerRole;
        break;
      }
      case 'CareTimeVoided': {
        const en = entries.get(e.data.entryId);
        if (en) en.voided = true;
        break;
      }
      default:
        break;
    }
  }

  const [y, m] = month.split('-').map(Number) as [number, number];
  const rules = y >= 2026 ? 'CY2026' : 'CY2025';
  const fee = FEE[rules];
  const monthFirst = `${month}-01`;
  const monthLast = DateTime.fromObject({ year: y, month: m, day: 1 }).endOf('month').toISODate() as string;

  const activeConditions = [...conditions.values()].filter(
    (c) => c.on <= monthLast && (c.resolvedOn === undefined || c.resolvedOn >= monthFirst),
  );
  const chronicCategories = new Set(activeConditions.filter((c) => c.chronic).map((c) => c.category));
  const hasPlan = (program: Program, kind: string): boolean =>
    [...plans.values()].some((p) => p.program === program && p.kind === kind && p.establishedOn <= monthLast);
  const eligible: Record<string, boolean> = {
    CCM: chronicCategories.size >= 2 && hasPlan('CCM', 'comprehensive'),
    PCM: activeConditions.some((c) => c.chronic && c.highRisk) && hasPlan('PCM', 'disease_specific'),
    BHI: activeConditions.some((c) => c.behavioral) && hasPlan('BHI', 'behavioral'),
    CoCM: activeConditions.some((c) => c.behavioral) && hasPlan('CoCM', 'cocm_treatment'),
  };
  const complexThisMonth = complexMarks.some(
    (mk) => mk.on >= monthFirst && mk.on <= monthLast && plans.get(mk.carePlanId)?.program === 'CCM',
  );

  // Counted minutes per (program, practitioner): all counted, and the practitioner's own.
  const totals = new Map<string, { program: Program; practitionerId: string; all: number; own: number }>();
  for (const en of entries.values()) {
    if (en.voided || en.separatelyBilled || !TIMED_PROGRAMS.includes(en.program)) continue;
    const own = en.performerId === en.billingPractitionerId;
    const roleCounts =
      en.program === 'CoCM'
        ? en.performerRole === 'bhcm' || (own && en.performerRole !== 'psychiatric_consultant')
        : en.performerRole === 'clinical_staff' ||
          (own && (en.performerRole === 'physician' || en.performerRole === 'qhp'));
    if (!roleCounts) continue;
    const zone = input.zoneOfPractitioner(en.billingPractitionerId);
    const start = DateTime.fromISO(en.startedAt, { setZone: true }).setZone(cachedZone(zone));
    const end = start.plus({ minutes: en.minutes });
    const mStart = DateTime.fromObject({ year: y, month: m, day: 1 }, { zone: cachedZone(zone) });
    const mEnd = mStart.plus({ months: 1 });
    const partStart = start < mStart ? mStart : start;
    const partEnd = end > mEnd ? mEnd : end;
    const minutes = Math.round(partEnd.diff(partStart, 'minutes').minutes);
    if (minutes <= 0) continue;
    const partMs = partStart.toMillis();
    const partDate = partStart.toISODate() as string;
    const consent = [...consents.values()].find(
      (c) =>
        c.program === en.program &&
        c.practitionerId === en.billingPractitionerId &&
        c.obtainedMs <= partMs &&
        partMs < c.revokedMs,
    );
    if (!consent || !consent.complete) continue;
    const consentDate = DateTime.fromISO(consent.obtainedAt, { setZone: true })
      .setZone(cachedZone(zone))
      .toISODate() as string;
    const lookBack = DateTime.fromISO(consentDate).minus({ years: 1 }).toISODate() as string;
    const practitionerVisits = visits.filter((v) => v.practitionerId === en.billingPractitionerId);
    const initiated = practitionerVisits.some((v) => v.on >= lookBack && v.on <= consentDate);
    if (!initiated) {
      const after = practitionerVisits
        .filter((v) => v.on > consentDate)
        .map((v) => v.on)
        .sort()[0];
      if (after === undefined || partDate < after) continue;
    }
    if (en.program === 'CoCM' && consent.episodeStartedOn && partDate < consent.episodeStartedOn) continue;
    const key = `${en.program}|${en.billingPractitionerId}`;
    const t = totals.get(key) ?? {
      program: en.program,
      practitionerId: en.billingPractitionerId,
      all: 0,
      own: 0,
    };
    t.all += minutes;
    if (own) t.own += minutes;
    totals.set(key, t);
  }

  const claims: EstimatedClaim[] = [];
  const value = (lines: { code: string; units: number }[]): number =>
    lines.reduce((s, l) => s + (fee[l.code] ?? 0) * l.units, 0);
  for (const t of [...totals.values()].sort((a, b) =>
    (a.program + a.practitionerId).localeCompare(b.program + b.practitionerId),
  )) {
    if (!eligible[t.program]) continue;
    let lines: { code: string; units: number }[] = [];
    if (t.program === 'CCM') {
      if (complexThisMonth && t.all >= 60) {
        lines = withAddOn('99487', '99489', Math.floor((t.all - 60) / 30));
      } else {
        const staff =
          t.all >= 20 ? withAddOn('99490', '99439', Math.min(2, Math.floor((t.all - 20) / 20))) : [];
        const personal = t.own >= 30 ? withAddOn('99491', '99437', Math.floor((t.own - 30) / 30)) : [];
        lines = value(personal) > value(staff) ? personal : staff;
      }
    } else if (t.program === 'PCM') {
      const staff = t.all >= 30 ? withAddOn('99426', '99427', Math.floor((t.all - 30) / 30)) : [];
      const personal = t.own >= 30 ? withAddOn('99424', '99425', Math.floor((t.own - 30) / 30)) : [];
      lines = value(personal) > value(staff) ? personal : staff;
    } else if (t.program === 'BHI') {
      if (t.all >= 20) lines = [{ code: '99484', units: 1 }];
    } else if (t.program === 'CoCM') {
      const consent = [...consents.values()].find(
        (c) => c.program === 'CoCM' && c.practitionerId === t.practitionerId,
      );
      const zone = input.zoneOfPractitioner(t.practitionerId);
      const episodeMonth = consent
        ? (
            consent.episodeStartedOn ??
            (DateTime.fromMillis(consent.obtainedMs).setZone(cachedZone(zone)).toISODate() as string)
          ).slice(0, 7)
        : '';
      const initial = episodeMonth === month;
      const base = initial ? 70 : 60;
      const extra = t.all >= base + 16 ? Math.floor((t.all - base - 16) / 30) + 1 : 0;
      if (initial) {
        if (t.all >= 36) lines = withAddOn('99492', '99494', extra);
        else if (t.all >= 16) lines = [{ code: 'G2214', units: 1 }];
      } else if (t.all >= 31) lines = withAddOn('99493', '99494', extra);
      else if (t.all >= 16) lines = [{ code: 'G2214', units: 1 }];
    }
    if (lines.length > 0) claims.push({ program: t.program, billingPractitionerId: t.practitionerId, lines });
  }

  // APCM: billed for any month in which a complete APCM consent is active; level by chronic count.
  const monthStartMs = (zone: string): number =>
    DateTime.fromObject({ year: y, month: m, day: 1 }, { zone: cachedZone(zone) }).toMillis();
  for (const c of [...consents.values()].filter((c) => c.program === 'APCM' && c.complete)) {
    const zone = input.zoneOfPractitioner(c.practitionerId);
    const from = monthStartMs(zone);
    const to = DateTime.fromMillis(from).setZone(cachedZone(zone)).plus({ months: 1 }).toMillis();
    if (c.obtainedMs < to && c.revokedMs > from && !claims.some((x) => x.program === 'APCM')) {
      const level = chronicCategories.size <= 1 ? 'G0556' : qmb ? 'G0558' : 'G0557';
      claims.push({
        program: 'APCM',
        billingPractitionerId: c.practitionerId,
        lines: [{ code: level, units: 1 }],
      });
    }
  }
  // APCM replaces CCM and PCM for the practitioner who bills it (RULES.md 5).
  const apcm = claims.find((x) => x.program === 'APCM');
  return apcm
    ? claims.filter(
        (x) =>
          !(
            (x.program === 'CCM' || x.program === 'PCM') &&
            x.billingPractitionerId === apcm.billingPractitionerId
          ),
      )
    : claims;
}

function withAddOn(base: string, addOn: string, units: number): { code: string; units: number }[] {
  return units > 0
    ? [
        { code: base, units: 1 },
        { code: addOn, units },
      ]
    : [{ code: base, units: 1 }];
}
