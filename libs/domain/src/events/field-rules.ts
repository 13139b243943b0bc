import { DateTime, IANAZone } from 'luxon';
import { isWellFormedIcd10 } from './icd10';

/** One problem with one input field. `field` is a path (`data.minutes`, `data.lines[1].units`). */
export interface ValidationIssue {
  field: string;
  message: string;
}

/**
 * A rule checks one value at one path and appends every problem it finds. Rules never throw and
 * never stop at the first problem, so a rejected input lists all of its bad fields at once.
 * Messages describe the expected shape and never echo the value (it may be PHI).
 */
export type FieldRule = (value: unknown, path: string, issues: ValidationIssue[]) => void;

/** A field of a closed object: its rule and whether it may be absent. */
export interface FieldSpec {
  readonly rule: FieldRule;
  readonly optional: boolean;
}

/** The fields of a closed object, in the order they are reported. */
export type ObjectShape = Readonly<Record<string, FieldSpec>>;

/** A field that must be present (and not `undefined`). */
export const required = (rule: FieldRule): FieldSpec => ({ rule, optional: false });
/** An optional field: absent is fine, `null` is not (the contract has no nulls; omit the field). */
export const optional = (rule: FieldRule): FieldSpec => ({ rule, optional: true });

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Pseudonymous identifier: starts with a letter or digit, then letters, digits, `.`, `_`, `-`;
 * 1 to 64 characters. Narrow on purpose: no blanks, no `:` (the stream-id separator), no `@`, so
 * names and e-mail addresses cannot pass as ids and ids stay safe in logs, Kafka keys and headers.
 */
export const SAFE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * An instant with an explicit offset: `YYYY-MM-DDTHH:mm[:ss[.fff]]` then `Z` or `±HH:MM`.
 * The shape is checked here (luxon alone accepts `24:00` and `+25:00`); luxon then checks it is
 * a real calendar instant (`2025-02-30T...` is not).
 */
const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)$/;
const LOCAL_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const YEAR_MONTH_PATTERN = /^\d{4}-(?:0[1-9]|1[0-2])$/;
/** IANA zone ids are case-sensitive: `America/New_York`, `Etc/GMT+5`, `UTC`; not `america/new_york`. */
const ZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)*$/;
/** A CPT/HCPCS procedure code: five upper-case letters or digits (`99490`, `G2214`). */
export const BILLING_CODE_PATTERN = /^[0-9A-Z]{5}$/;

/** Upper bounds for free text; they stop abuse without constraining real clinical notes. */
export const TEXT_LIMITS = { short: 200, long: 4000, listItems: 200 } as const;

/** A non-empty string of bounded length, optionally matching `pattern` (`expected` describes it). */
export const string =
  (opts: { maxLength: number; pattern?: RegExp; expected?: string }): FieldRule =>
  (value, path, issues) => {
    if (typeof value !== 'string') {
      issues.push({ field: path, message: `must be a string, got ${describe(value)}` });
    } else if (value.trim().length === 0) {
      issues.push({ field: path, message: 'must not be empty' });
    } else if (value.length > opts.maxLength) {
      issues.push({ field: path, message: `must be at most ${opts.maxLength} characters` });
    } else if (opts.pattern && !opts.pattern.test(value)) {
      issues.push({
        field: path,
        message: `must be ${opts.expected ?? `a string matching ${String(opts.pattern)}`}`,
      });
    }
  };

/** Free text (PHI class `free-text`): a non-empty string of bounded length. */
export const text = (maxLength: number = TEXT_LIMITS.long): FieldRule => string({ maxLength });

/** A pseudonymous id (`SAFE_ID_PATTERN`). */
export const safeId: FieldRule = string({
  maxLength: 64,
  pattern: SAFE_ID_PATTERN,
  expected: 'a pseudonymous id (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)',
});

/** A CPT/HCPCS code (`BILLING_CODE_PATTERN`). */
export const billingCode: FieldRule = string({
  maxLength: 5,
  pattern: BILLING_CODE_PATTERN,
  expected: 'a CPT/HCPCS code of five upper-case letters or digits',
});

/** `true` or `false`, never a string. */
export const boolean: FieldRule = (value, path, issues) => {
  if (typeof value !== 'boolean')
    issues.push({ field: path, message: `must be a boolean, got ${describe(value)}` });
};

/** A whole number from `min` to `max` inclusive (no strings, no fractions, no NaN). */
export const integer =
  (min: number, max: number): FieldRule =>
  (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      issues.push({
        field: path,
        message: `must be an integer from ${min} to ${max}, got ${describe(value)}`,
      });
    } else if (value < min || value > max) {
      issues.push({ field: path, message: `must be an integer from ${min} to ${max}` });
    }
  };

/** One of a closed list of strings (the contract's enums). */
export const oneOf =
  (values: readonly string[]): FieldRule =>
  (value, path, issues) => {
    if (typeof value !== 'string' || !values.includes(value)) {
      issues.push({ field: path, message: `must be one of ${values.join(', ')}` });
    }
  };

/** Exactly this value (the type and version of a compiled schema). */
export const exactly =
  (expected: string | number): FieldRule =>
  (value, path, issues) => {
    if (value !== expected) issues.push({ field: path, message: `must be ${JSON.stringify(expected)}` });
  };

/**
 * Memoised verdicts for values that repeat a lot across events (calendar days, zone names), so a
 * bulk import pays luxon's parsing cost once per distinct day or zone, not once per event. Bounded:
 * the cache is dropped when it grows past `max` entries, so hostile input cannot grow memory.
 */
function memoize(check: (key: string) => boolean, max = 50_000): (key: string) => boolean {
  const verdicts = new Map<string, boolean>();
  return (key) => {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      if (verdicts.size >= max) verdicts.clear();
      verdict = check(key);
      verdicts.set(key, verdict);
    }
    return verdict;
  };
}

/** Luxon decides whether a `YYYY-MM-DD` is a real calendar day (leap years, month lengths). */
const isRealDay = memoize((day) => DateTime.fromFormat(day, 'yyyy-MM-dd', { zone: 'UTC' }).isValid);
/** Luxon's IANA database decides the zone (the shape check comes first and is case-sensitive). */
const isIanaZone = memoize((zone) => IANAZone.isValidZone(zone), 10_000);

/**
 * An instant: the pattern fixes the time of day and the offset ranges, so it is a real instant
 * exactly when its calendar day is real, which luxon decides.
 */
export const instant: FieldRule = (value, path, issues) => {
  if (typeof value !== 'string' || !INSTANT_PATTERN.test(value)) {
    issues.push({
      field: path,
      message: 'must be an ISO-8601 instant with an offset (YYYY-MM-DDTHH:mm:ssZ or ...±HH:MM)',
    });
  } else if (!isRealDay(value.slice(0, 10))) {
    issues.push({ field: path, message: 'must be a real calendar instant' });
  }
};

/** A local calendar date `YYYY-MM-DD` that exists (`2025-02-30` does not). */
export const localDate: FieldRule = (value, path, issues) => {
  if (typeof value !== 'string' || !LOCAL_DATE_PATTERN.test(value)) {
    issues.push({ field: path, message: 'must be a local date YYYY-MM-DD' });
  } else if (!isRealDay(value)) {
    issues.push({ field: path, message: 'must be a real calendar date' });
  }
};

/** A month `YYYY-MM`. */
export const yearMonth: FieldRule = (value, path, issues) => {
  if (typeof value !== 'string' || !YEAR_MONTH_PATTERN.test(value)) {
    issues.push({ field: path, message: 'must be a month YYYY-MM' });
  }
};

/** An IANA time-zone id, spelled as the database spells it. */
export const ianaZone: FieldRule = (value, path, issues) => {
  if (typeof value !== 'string' || !ZONE_SHAPE.test(value) || !isIanaZone(value)) {
    issues.push({ field: path, message: 'must be an IANA time zone such as America/New_York' });
  }
};

/** A well-formed ICD-10-CM code (`ICD10_PATTERN`); membership in the code set is the rules' concern. */
export const icd10Code: FieldRule = (value, path, issues) => {
  if (typeof value !== 'string' || !isWellFormedIcd10(value)) {
    issues.push({
      field: path,
      message: 'must be a well-formed ICD-10-CM code (upper case, e.g. E11.9 or E119)',
    });
  }
};

/** An array whose every item passes `item`; items are reported as `path[i]`. */
export const arrayOf =
  (item: FieldRule, opts: { minItems?: number; maxItems: number; unique?: boolean }): FieldRule =>
  (value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ field: path, message: `must be an array, got ${describe(value)}` });
      return;
    }
    const min = opts.minItems ?? 0;
    if (value.length < min) issues.push({ field: path, message: `must have at least ${min} item(s)` });
    if (value.length > opts.maxItems) {
      issues.push({ field: path, message: `must have at most ${opts.maxItems} items` });
      return;
    }
    value.forEach((v, i) => item(v, `${path}[${i}]`, issues));
    if (opts.unique && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      issues.push({ field: path, message: 'must not repeat an item' });
    }
  };

/**
 * A closed object: every required field present, every present field valid, and no field the
 * shape does not name (an unknown field is rejected, not ignored: a typo such as `minute` must
 * not silently lose data). `check` adds cross-field rules once the fields themselves are valid.
 */
export const object = (
  shape: ObjectShape,
  check?: (value: Record<string, unknown>, path: string) => ValidationIssue[],
): FieldRule => {
  const fields = Object.entries(shape);
  const known = new Set(fields.map(([key]) => key));
  return (value, path, issues) => {
    if (!isPlainObject(value)) {
      issues.push({ field: path, message: `must be an object, got ${describe(value)}` });
      return;
    }
    const before = issues.length;
    const at = (key: string): string => (path ? `${path}.${key}` : key);
    for (const [key, spec] of fields) {
      const v = Object.hasOwn(value, key) ? value[key] : undefined;
      if (v === undefined) {
        if (!spec.optional) issues.push({ field: at(key), message: 'is required' });
      } else if (v === null && spec.optional) {
        issues.push({ field: at(key), message: 'must be omitted rather than null' });
      } else {
        spec.rule(v, at(key), issues);
      }
    }
    for (const key of Object.keys(value)) {
      if (!known.has(key)) {
        // A key is echoed only when it looks like a field name: a client could put PHI in a key.
        const shown = FIELD_NAME.test(key) ? key : '<unnamed>';
        issues.push({ field: at(shown), message: 'is not a field of this contract' });
      }
    }
    if (check && issues.length === before) issues.push(...check(value, path));
  };
};
