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
