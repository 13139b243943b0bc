import type { RuleSet } from '../rule-set';
import { COMMON_TABLES } from './common-tables';

/**
 * CY2025 Medicare rule set. Fees: CMS PFS RVU25D (released 2025-09-11), CF 32.3465, national
 * non-facility amounts as tabulated in shared/data/README.md (cents).
 */
export const CY2025: RuleSet = {
  version: 'CY2025',
  year: 2025,
  feeSource: 'CMS PFS CY2025 RVU25D national non-facility, CF 32.3465',
  feesCents: {
    '99490': 6049,
    '99439': 4593,
    '99491': 8216,
    '99437': 5758,
    '99487': 13165,
    '99489': 7052,
    '99424': 8087,
    '99425': 5887,
    '99426': 6178,
    '99427': 5046,
    '99484': 5305,
    '99492': 14524,
    '99493': 13359,
    '99494': 5596,
    G2214: 5434,
    '90833': 7278,
    '90836': 9251,
    '90838': 12292,
    '90863': null,
    // G0506: no national amount in shared/data/README.md and none sourced for this year (issue 17).
    G0506: null,
    // TCM: no national amounts in shared/data/README.md and none sourced for this year (issue 17).
    '99495': null,
    '99496': null,
  },
  ...COMMON_TABLES,
};
