import { localDateOf } from '../../calendar/zoned-calendar';
import type { BillingLine } from '../month-determination';
import type { DigitalTherapyCourseFact, TimeEntryFact } from '../patient-facts';
import { managementCodes } from './remote-monitoring';
import { type MonthContext, cmp } from './month-context';

/**
 * Digital mental health treatment, G0552-G0554 (docs/rules/digital-mental-health-treatment.md).
 *
 * Only extension-1.2 facts open these codes: a `DigitalTherapySupplied` course, and `CareTimeLogged`
 * entries naming it (`digitalTherapyCourseId`). Per course supplied in the month whose device is cleared
 * under a regulation the year covers (CY2025: 21 CFR 882.5801; CY2026 adds 882.5803, ADHD), G0552 once,
 * dated the supply date. Per calendar month and practitioner, the management minutes of entries naming one
 * of that practitioner's covered courses, on or after its supply date, by clinical staff or the
 * practitioner personally: 20 -> G0553, each further full 20 -> G0554 (no cap). Those minutes never count
 * toward another program (consent gating excludes them as NO_TIME_BASED_CODE; billed ones lose it).
 */
export function digitalMentalHealth(ctx: MonthContext): void {
  const courses = [...ctx.facts.digitalTherapyCourses.values()].sort(
    (a, b) => cmp(a.suppliedOn, b.suppliedOn) || cmp(a.courseId, b.courseId),
  );
  const tagged = [...ctx.facts.entries.values()].filter((t) => t.digitalTherapyCourseId !== null);
  if (courses.length === 0 && tagged.length === 0) return;
  const dm = ctx.rules.digitalMentalHealth;
  const covered = (c: DigitalTherapyCourseFact) => dm.deviceRegulations.includes(c.deviceRegulation);
  for (const c of courses) {
    if (!ctx.inMonth(c.suppliedOn)) continue;
    if (!covered(c)) {
      notBillable(ctx, c.billingPractitionerId, `course ${c.courseId}: ${notCoveredWhy(ctx, c)}`);
      continue;
    }
    ctx.lines.push(
      line(
        ctx,
        dm.supplyCode,
        1,
        c.billingPractitionerId,
        `DMHT device supplied on ${c.suppliedOn}, course ${c.courseId} -> ${dm.supplyCode}`,
        0,
        [c.courseId],
        c.suppliedOn,
      ),
    );
  }
  const billed = new Set<string>();
  for (const bp of [...new Set(tagged.map((t) => t.billingPractitionerId))].sort()) {
    const entries = monthEntries(ctx, tagged, bp);
    if (entries.length === 0) continue;
    const counted: TimeEntryFact[] = [];
    const refused: string[] = [];
    for (const t of entries) {
      const why = entryProblem(ctx, t, bp);
      if (why === null) counted.push(t);
      else refused.push(`${t.entryId} (${why})`);
    }
    if (refused.length > 0) notBillable(ctx, bp, `entries not counted: ${refused.join(', ')}`);
    const minutes = counted.reduce((s, t) => s + t.minutes, 0);
    if (minutes === 0) continue;
    ctx.monitoringMinutes.push({ monitoring: 'DMHT', practitionerId: bp, countedMinutes: minutes });
    const codes = managementCodes({ management: dm.management, managementShort: null }, minutes);
    if (codes.length === 0) {
      notBillable(ctx, bp, `${minutes} management minutes, fewer than ${dm.management.threshold}`);
      continue;
    }
    const ids = counted.map((t) => t.entryId);
    for (const id of ids) billed.add(id);
    const rule = `DMHT management: ${minutes} minutes in the month -> ${codes.map((c) => `${c.code}x${c.units}`).join('+')}`;
    for (const c of codes) ctx.lines.push(line(ctx, c.code, c.units, bp, rule, minutes, ids));
  }
  for (let i = ctx.excluded.length - 1; i >= 0; i--) {
    const x = ctx.excluded[i]!;
    if (x.reason === 'NO_TIME_BASED_CODE' && billed.has(x.entryId)) ctx.excluded.splice(i, 1);
  }
}

/** Tagged entries of one practitioner started in the month (practitioner's zone), not voided or billed apart. */
function monthEntries(ctx: MonthContext, tagged: TimeEntryFact[], bp: string): TimeEntryFact[] {
  const cal = ctx.calendarIn(ctx.zoneOf(bp));
  return tagged
    .filter(
      (t) =>
        t.billingPractitionerId === bp &&
        !t.voided &&
        t.separatelyBilledAs === null &&
        t.startedMs >= cal.startMs &&
        t.startedMs < cal.endMs,
    )
    .sort((a, b) => cmp(a.entryId, b.entryId));
}

/** Why a tagged entry does not count toward the practitioner's management minutes, or null. */
function entryProblem(ctx: MonthContext, t: TimeEntryFact, bp: string): string | null {
  const own = t.performerId === bp && ctx.rules.ownMinutesRoles.includes(t.performerRole);
  if (!own && t.performerRole !== 'clinical_staff') return `role ${t.performerRole} not counted`;
  const c = ctx.facts.digitalTherapyCourses.get(t.digitalTherapyCourseId!);
  if (c === undefined) return `no course ${t.digitalTherapyCourseId} supplied`;
  if (c.billingPractitionerId !== bp) return `course ${c.courseId} is ordered by ${c.billingPractitionerId}`;
  if (!ctx.rules.digitalMentalHealth.deviceRegulations.includes(c.deviceRegulation))
    return notCoveredWhy(ctx, c);
  if (localDateOf(t.startedMs, ctx.zoneOf(bp)) < c.suppliedOn)
    return `before the device was supplied on ${c.suppliedOn}`;
  return null;
}

function notCoveredWhy(ctx: MonthContext, c: DigitalTherapyCourseFact): string {
  return `a device under 21 CFR ${c.deviceRegulation} is not a DMHT device in ${ctx.rules.version}`;
}

function notBillable(ctx: MonthContext, bp: string, why: string): void {
  ctx.flag('NOT_BILLABLE_DMHT', `DMHT ${bp}: ${why}`, undefined, bp);
}

function line(
  ctx: MonthContext,
  code: string,
  units: number,
  practitionerId: string,
  rule: string,
  countedMinutes: number,
  entryIds: string[],
  date?: string,
): BillingLine {
  const l: BillingLine = {
    code,
    units,
    practitionerId,
    program: 'DMHT',
    explanation: { rulesVersion: ctx.rules.version, rule, countedMinutes, entryIds: [...entryIds].sort() },
  };
  if (date !== undefined) l.date = date;
  return l;
}
