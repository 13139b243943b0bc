/**
 * ICD-10-CM reference data the rules read: the FY code set and the chronic-condition indicator.
 * The domain never reads files; an adapter (libs/config `loadReferenceData`) builds this from the
 * configured data folder and hands it in. Either part may be absent (null): then every well-formed
 * code is flagged `UNKNOWN_ICD10` (no code set) and chronic status comes only from event overrides.
 */
export interface ReferenceData {
  /** Valid ICD-10-CM codes, upper case, without the dot (`E119`). Null when not available. */
  readonly codeSet: ReadonlySet<string> | null;
  /** HCUP CCIR indicator per code without the dot: 1 chronic, 0 not chronic, 9 no determination. */
  readonly chronicIndicator: ReadonlyMap<string, 0 | 1 | 9> | null;
  /** Where the data came from (release names), stamped on determinations for audit. */
  readonly source: string;
}

/** Reference data with neither part: the engine's documented fallback behaviour. */
export const NO_REFERENCE_DATA: ReferenceData = { codeSet: null, chronicIndicator: null, source: 'none' };

/**
 * RULES.md 3/8 and EVENTS.md: a condition's chronic status when its event does not override it. Only
 * a code that is in the shipped code set and that the indicator marks `1` is chronic. A code outside
 * the code set (flagged `UNKNOWN_ICD10`) is not chronic by default even when the indicator lists it:
 * the indicator still carries codes that the FY code set has since expanded or replaced (D84.8,
 * M92.50, ...). `code` is normalised (upper case, no dot).
 */
export function chronicByDefault(reference: ReferenceData, code: string): boolean {
  return reference.codeSet?.has(code) === true && reference.chronicIndicator?.get(code) === 1;
}
