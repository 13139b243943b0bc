/**
 * Fee amounts of charge lines (issue 16, ADR 0617, docs/rules/fee-schedule.md): the CMS Physician
 * Fee Schedule national non-facility amounts as `../shared/data/README.md` states them (the data
 * folder describes them; it does not ship the AMA-licensed PPRRVU files). Pure: the README's text
 * arrives as an input, a line's fee is looked up by code and the calendar year of its date of service.
 * A line without a fee says why (`FeeReason`), never a silent zero.
 */

/** Why a line has no amount. */
export type FeeReasonCode =
  /** The data names the code with status I: not valid for Medicare payment. */
  | 'FEE.NOT_PAYABLE'
  /** The data has amounts for the year, but not for this code. */
  | 'FEE.CODE_NOT_IN_SCHEDULE'
  /** The data has no amounts for the calendar year of the date of service. */
  | 'FEE.YEAR_NOT_IN_SCHEDULE'
  /** No fee table was found in the data folder. */
  | 'FEE.NO_SCHEDULE';

/** What the amounts are: which locality, which setting, which release, from where. */
export interface FeeBasis {
  /** `national`: every GPCI 1.0, not locality-adjusted (the data states no locality). */
  locality: 'national';
  setting: 'non-facility';
  /** Conversion factor of the year as the data names it, or null when it names none. */
  conversionFactor: string | null;
}

/** A code's amount in cents, or null with the status the data gives (`I`: not payable). */
export type FeeEntry = { cents: number } | { cents: null; status: string };

/** One year of the schedule: amount in cents per code, or null with the data's reason. */
export interface FeeYear {
  year: number;
  basis: FeeBasis;
  amounts: ReadonlyMap<string, FeeEntry>;
}

/** The schedule read from the data folder; `source` names the file and its SHA-256 prefix. */
export interface FeeSchedule {
  source: string;
  years: ReadonlyMap<number, FeeYear>;
}

/** The fee of one line: unit and extended amounts in cents, or null and the reason. */
export interface LineFee {
  code: string;
  /** Calendar year of the date of service (the PFS is a calendar-year schedule). */
  year: number;
  basis: FeeBasis | null;
  unitCents: number | null;
  /** `unitCents * units`, null when the unit amount is. */
  amountCents: number | null;
  reason: { code: FeeReasonCode; message: string } | null;
  source: string;
}

const HEADER = /^\|\s*Code\s*\|/;
const YEAR_COLUMN = /^CY(\d{4}) national NF \$$/;
const CONVERSION = /\*\*CY(\d{4}):\*\*.*?Conversion factor (\d+\.\d+)/;
const AMOUNT = /^\d+\.\d{2}$/;
const NOT_PAYABLE = /^n\/a \(status ([A-Z])\)$/;

const cells = (row: string): string[] =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/**
 * Parse the fee table of the data README: the first markdown table whose header is `| Code | ...`
 * with `CY<year> national NF $` columns; each cell is an amount with two decimals or
 * `n/a (status X)`. Conversion factors from the `**CY<year>:** ... Conversion factor N` lines.
 * Returns null when the text has no such table; throws `RangeError` naming the row of a malformed cell.
 */
export function parseFeeTable(markdown: string, source: string): FeeSchedule | null {
  const lines = markdown.split(/\r?\n/);
  const conversion = new Map<number, string>();
  for (const l of lines) {
    const m = CONVERSION.exec(l);
    if (m) conversion.set(Number(m[1]), m[2]!);
  }
  const start = lines.findIndex((l) => HEADER.test(l) && cells(l).some((c) => YEAR_COLUMN.test(c)));
  if (start < 0) return null;
  const header = cells(lines[start]!);
  const columns = header
    .map((c, i) => ({ i, year: YEAR_COLUMN.exec(c)?.[1] }))
    .filter((c): c is { i: number; year: string } => c.year !== undefined);
  const amounts = new Map(columns.map((c) => [Number(c.year), new Map<string, FeeEntry>()]));
  for (let r = start + 2; r < lines.length && lines[r]!.trim().startsWith('|'); r++) {
    const row = cells(lines[r]!);
    const code = row[0]!;
    if (!/^[0-9A-Z]{5}$/.test(code)) throw new RangeError(`fee table line ${r + 1}: "${code}" is not a code`);
    for (const c of columns) {
      const cell = row[c.i] ?? '';
      const status = NOT_PAYABLE.exec(cell)?.[1];
      if (AMOUNT.test(cell))
        amounts.get(Number(c.year))!.set(code, { cents: Math.round(Number(cell) * 100) });
      else if (status) amounts.get(Number(c.year))!.set(code, { cents: null, status });
      else throw new RangeError(`fee table line ${r + 1}, ${header[c.i]}: "${cell}" is not an amount`);
    }
  }
  const years = new Map<number, FeeYear>();
  for (const [year, map] of amounts)
    years.set(year, {
      year,
      basis: {
        locality: 'national',
        setting: 'non-facility',
        conversionFactor: conversion.get(year) ?? null,
      },
      amounts: map,
    });
  return { source, years };
}

/** The fee of `units` of `code` on `serviceDate` (`YYYY-MM-DD`), or null with why. */
export function feeOf(
  schedule: FeeSchedule | null,
  code: string,
  units: number,
  serviceDate: string,
): LineFee {
  const year = Number(serviceDate.slice(0, 4));
  const none = (reason: FeeReasonCode, message: string, basis: FeeBasis | null = null): LineFee => ({
    code,
    year,
    basis,
    unitCents: null,
    amountCents: null,
    reason: { code: reason, message },
    source: schedule?.source ?? 'none',
  });
  if (!schedule) return none('FEE.NO_SCHEDULE', 'no fee table in the data folder (shared/data/README.md)');
  const y = schedule.years.get(year);
  if (!y) {
    const known = [...schedule.years.keys()].sort().map((k) => `CY${k}`);
    return none('FEE.YEAR_NOT_IN_SCHEDULE', `the fee data has ${known.join(', ')}, not CY${year}`);
  }
  const a = y.amounts.get(code);
  if (!a) return none('FEE.CODE_NOT_IN_SCHEDULE', `${code} has no CY${year} amount in the fee data`, y.basis);
  if (a.cents === null)
    return none(
      'FEE.NOT_PAYABLE',
      `${code} has status ${a.status} in the CY${year} fee data: not valid for Medicare payment`,
      y.basis,
    );
  return {
    code,
    year,
    basis: y.basis,
    unitCents: a.cents,
    amountCents: a.cents * units,
    reason: null,
    source: schedule.source,
  };
}

/** Cents as a decimal amount (`6049` -> `60.49`, `-6049` -> `-60.49`). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Totals of priced lines, and the lines without a fee by reason (for reports and command output). */
export function feeTotals(fees: readonly LineFee[]): {
  pricedCents: number;
  unpriced: { code: string; reason: FeeReasonCode }[];
} {
  let pricedCents = 0;
  const unpriced = new Map<string, { code: string; reason: FeeReasonCode }>();
  for (const f of fees) {
    if (f.amountCents !== null) pricedCents += f.amountCents;
    else if (f.reason) unpriced.set(`${f.code}|${f.reason.code}`, { code: f.code, reason: f.reason.code });
  }
  return {
    pricedCents,
    unpriced: [...unpriced.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
  };
}
