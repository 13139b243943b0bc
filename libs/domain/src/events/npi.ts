/**
 * The NPI check digit (CMS, "Requirements for National Provider Identifier (NPI) and NPI Enumeration
 * Check Digit"): Luhn over the prefix `80840` followed by the first nine digits.
 */
export function npiCheckDigitValid(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // doubled: every second digit from the right of the payload (the check digit is not in it)
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === Number(npi[9]);
}
