/**
 * HL7 v2 text rules (HL7 v2.5.1 chapter 2, "Escape sequences in text fields") for the encoding
 * characters `|^~\&` the charge feed declares in MSH-2. Pure.
 */
export const HL7_SEGMENT_SEPARATOR = '\r';

/**
 * Escape a value for a field or component: the escape character first (`\` -> `\E\`), then `|`
 * `\F\`, `^` `\S\`, `&` `\T\`, `~` `\R\`, and CR/LF as hexadecimal `\X0D\` / `\X0A\` so that a value
 * can never end a segment.
 */
export function hl7Escape(value: string): string {
  return value
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/\r/g, '\\X0D\\')
    .replace(/\n/g, '\\X0A\\');
}

/** Components of one field (`^`), each escaped; trailing empty components are dropped. */
export function hl7Components(...parts: (string | number | null | undefined)[]): string {
  const out = parts.map((p) => (p === null || p === undefined ? '' : hl7Escape(String(p))));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('^');
}

/** Repetitions of one field (`~`) from already-encoded values. */
export function hl7Repeat(values: readonly string[]): string {
  return values.join('~');
}

/**
 * One segment from already-encoded fields (field 1 first); trailing empty fields are dropped. MSH is
 * special: its field 1 is the field separator itself, so pass MSH-2 onwards.
 */
export function hl7Segment(name: string, fields: readonly string[]): string {
  const f = [...fields];
  while (f.length > 0 && f[f.length - 1] === '') f.pop();
  return [name, ...f].join('|');
}

/** `YYYYMMDDHHMMSS+0000` (DTM) of an instant, in UTC. */
export function hl7Timestamp(instant: string): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not an instant: ${instant}`);
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}

/** `YYYYMMDD` (DT) of a local date `YYYY-MM-DD`. */
export function hl7Date(localDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate)) throw new RangeError(`not a local date: ${localDate}`);
  return localDate.replace(/-/g, '');
}
