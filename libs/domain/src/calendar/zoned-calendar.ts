import { DateTime, IANAZone } from 'luxon';

/**
 * Calendar arithmetic in an organization's IANA zone. Billing months and local dates are always the
 * organization's, never UTC (RULES.md 1): every conversion goes through luxon's IANA zone support.
 *
 * Results are memoized per (zone, month) / (zone, day) because the rules engine asks the same
 * questions for thousands of patient-months; the caches hold pure values, so they never change a
 * result, only its cost.
 */

/** A calendar month `YYYY-MM`. */
export type YearMonth = string;

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_MINUTE = 60_000;

/** One calendar month of one zone, as epoch milliseconds. */
export interface MonthCalendar {
  readonly zone: string;
  readonly month: YearMonth;
  /** Local midnight of the 1st, inclusive. */
  readonly startMs: number;
  /** Local midnight of the 1st of the next month, exclusive. */
  readonly endMs: number;
  /** `YYYY-MM-01`. */
  readonly firstDate: string;
  /** Last local date of the month (`YYYY-MM-28..31`). */
  readonly lastDate: string;
  /** Local midnight of each day of the month (index 0 = the 1st); DST days are 23 or 25 h long. */
  readonly dayStartsMs: readonly number[];
}

/** True when `month` is a `YYYY-MM` string with a month 01..12. */
export function isYearMonth(month: string): boolean {
  return MONTH_PATTERN.test(month);
}

/** True when `zone` is an IANA zone name luxon (and the ICU data of this Node) knows. */
export function isIanaZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const monthCache = new Map<string, MonthCalendar>();

/** The month calendar of `month` in `zone` (memoized). Throws `RangeError` on a bad month or zone. */
export function monthCalendar(zone: string, month: YearMonth): MonthCalendar {
  const key = `${zone}|${month}`;
  const cached = monthCache.get(key);
  if (cached) return cached;
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  if (!isIanaZone(zone)) throw new RangeError(`not an IANA time zone: ${JSON.stringify(zone)}`);
  const start = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]), day: 1 }, { zone });
  const next = start.plus({ months: 1 });
  const days: number[] = [];
  for (let d = start; d < next; d = d.plus({ days: 1 })) days.push(d.toMillis());
  const cal: MonthCalendar = {
    zone,
    month,
    startMs: start.toMillis(),
    endMs: next.toMillis(),
    firstDate: start.toISODate() as string,
    lastDate: next.minus({ days: 1 }).toISODate() as string,
    dayStartsMs: days,
  };
  if (monthCache.size > 50_000) monthCache.clear();
  monthCache.set(key, cal);
  return cal;
}

/** The local `YYYY-MM` of an instant (epoch ms) in `zone`. */
export function monthOf(ms: number, zone: string): YearMonth {
  return localDateOf(ms, zone).slice(0, 7);
}

const localDateCache = new Map<string, string>();

/** The local calendar date (`YYYY-MM-DD`) of an instant (epoch ms) in `zone` (memoized). */
export function localDateOf(ms: number, zone: string): string {
  const key = `${zone}|${ms}`;
  const cached = localDateCache.get(key);
  if (cached !== undefined) return cached;
  const dt = DateTime.fromMillis(ms, { zone });
  if (!dt.isValid) throw new RangeError(`not an IANA time zone: ${JSON.stringify(zone)}`);
  const date = dt.toISODate();
  if (localDateCache.size > 200_000) localDateCache.clear();
  localDateCache.set(key, date);
  return date;
}

/**
 * The local date of `ms` when it is known to fall inside `cal` (binary search over the cached day
 * starts: no zone arithmetic per call).
 */
export function localDateInMonth(ms: number, cal: MonthCalendar): string {
  const days = cal.dayStartsMs;
  let lo = 0;
  let hi = days.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((days[mid] as number) <= ms) lo = mid;
    else hi = mid - 1;
  }
  const day = lo + 1;
  return `${cal.month}-${day < 10 ? '0' : ''}${day}`;
}

/** Epoch milliseconds of an ISO-8601 instant that carries an offset or `Z`. Throws on anything else. */
export function instantMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant: ${JSON.stringify(iso)}`);
  return ms;
}

/**
 * The local date one year before `date` (`YYYY-MM-DD`), clamping Feb 29 to Feb 28 (RULES.md 8
 * look-back). Pure date arithmetic: no zone is involved because both ends are local dates.
 */
export function oneYearBefore(date: string): string {
  if (!DATE_PATTERN.test(date)) throw new RangeError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  // Same month and day one year earlier; Feb 29 has no counterpart in the earlier (common) year.
  const year = String(Number(date.slice(0, 4)) - 1).padStart(4, '0');
  const monthDay = date.slice(5) === '02-29' ? '02-28' : date.slice(5);
  return `${year}-${monthDay}`;
}

/** The month after `month`. */
export function nextMonth(month: YearMonth): YearMonth {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** One part of a time entry after splitting at local month boundaries. */
export interface EntryPart {
  readonly month: YearMonth;
  /** Start of the part (the entry's start, or local midnight of the 1st for a continuation). */
  readonly startMs: number;
  readonly minutes: number;
}

/**
 * Splits an entry of `minutes` starting at `startMs` at every local midnight that begins a month in
 * `zone` (RULES.md 1). Each part counts in its own month and its start is used for consent tests
 * (RULES.md 8). Parts are whole minutes and always sum to `minutes`: a boundary that falls inside a
 * minute (a start with seconds) is rounded to the nearest minute, so no minute is lost or created.
 * A zero-minute part is dropped.
 */
export function splitAtMonthBoundaries(startMs: number, minutes: number, zone: string): EntryPart[] {
  const parts: EntryPart[] = [];
  let remaining = minutes;
  let partStart = startMs;
  let month = monthOf(startMs, zone);
  while (remaining > 0) {
    const cal = monthCalendar(zone, month);
    const untilBoundary = Math.round((cal.endMs - partStart) / MS_PER_MINUTE);
    const take = Math.min(remaining, Math.max(0, untilBoundary));
    if (take > 0) parts.push({ month, startMs: partStart, minutes: take });
    remaining -= take;
    partStart = cal.endMs;
    month = nextMonth(month);
  }
  return parts;
}

/** The months an entry touches in `zone` (usually one; two or more when it crosses a month start). */
export function monthsTouched(startMs: number, minutes: number, zone: string): YearMonth[] {
  return splitAtMonthBoundaries(startMs, minutes, zone).map((p) => p.month);
}

/** First and last local date of `month` (`YYYY-MM-01`, `YYYY-MM-28..31`); zone-free calendar arithmetic. */
export function monthDateRange(month: YearMonth): { firstDate: string; lastDate: string } {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = mon === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mon) ? 30 : 31;
  return { firstDate: `${month}-01`, lastDate: `${month}-${days}` };
}
