/**
 * ICD-10-CM code syntax. A code is a letter, then two letters-or-digits (FY2026 added codes with a
 * letter in the second position, e.g. `QA00101`), then optionally up to four more characters, with
 * or without the dot after the third character (`E11.9` and `E119` are the same code).
 * Upper case only: the contract carries codes as published; `normalizeIcd10` handles other sources.
 */
export const ICD10_PATTERN = /^[A-Z][0-9A-Z]{2}(?:\.?[0-9A-Z]{1,4})?$/;

/** True when `code` is a well-formed ICD-10-CM code (it may still be missing from the code set). */
export function isWellFormedIcd10(code: string): boolean {
  return ICD10_PATTERN.test(code);
}

/** The code set's spelling of a code: upper case, no dot, no surrounding blanks (`e11.9` -> `E119`). */
export function normalizeIcd10(code: string): string {
  return code.trim().toUpperCase().replace('.', '');
}

/** The three-character category a code belongs to (`E11.22` -> `E11`); conditions count per category. */
export function icd10Category(code: string): string {
  return normalizeIcd10(code).slice(0, 3);
}
