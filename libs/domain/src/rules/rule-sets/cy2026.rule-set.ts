import type { RuleSet } from '../rule-set';
import { COMMON_TABLES } from './common-tables';

/**
 * CY2026 Medicare rule set. Fees: CMS PFS 2026 July release (2026-06-30), non-QPP CF 33.4009,
 * national non-facility amounts as tabulated in shared/data/README.md (cents). RHC/FQHC keep billing
 * the individual codes; CoCM uses 99492-99494/G2214 (RULES.md 4).
 */
export const CY2026: RuleSet = {
  version: 'CY2026',
  year: 2026,
  feeSource: 'CMS PFS CY2026 July release national non-facility, non-QPP CF 33.4009',
  feesCents: {
    '99490': 6613,
    '99439': 5044,
    '99491': 8918,
    '99437': 6313,
    '99487': 14429,
    '99489': 7816,
    '99424': 8751,
    '99425': 6146,
    '99426': 6780,
    '99427': 5411,
    '99484': 5745,
    '99492': 16032,
    '99493': 14496,
    '99494': 6146,
    G2214: 6079,
    '90833': 8150,
    '90836': 10321,
    '90838': 13661,
    '90863': null,
    // G0506: no national amount in shared/data/README.md and none sourced for this year (issue 17).
    G0506: null,
    // TCM: no national amounts in shared/data/README.md and none sourced for this year (issue 17).
    '99495': null,
    '99496': null,
  },
  ...COMMON_TABLES,
};
