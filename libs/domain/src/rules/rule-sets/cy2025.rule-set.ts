import type { RuleSet } from '../rule-set';
import { COMMON_TABLES, DMHT_CY2025, MONITORING_CY2025 } from './common-tables';

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
    // RPM/RTM (docs/rules/remote-monitoring.md): no national amounts in shared/data/README.md, none sourced
    // from a CMS file for this year (issue 17); listed in feesNotSourced so the null says why.
    '99453': null,
    '99454': null,
    '99457': null,
    '99458': null,
    '98975': null,
    '98976': null,
    '98977': null,
    '98978': null,
    '98980': null,
    '98981': null,
    '99091': null,
    // DMHT (docs/rules/digital-mental-health-treatment.md): G0552 is contractor-priced; none sourced (issue 17).
    G0552: null,
    G0553: null,
    G0554: null,
    // CHI/PIN (docs/rules/navigation-and-integration.md): no national amounts in shared/data/README.md,
    // none sourced from a CMS file for this year (issue 17); listed in feesNotSourced.
    G0019: null,
    G0022: null,
    G0023: null,
    G0024: null,
    G0140: null,
    G0146: null,
  },
  ...COMMON_TABLES,
  remoteMonitoring: MONITORING_CY2025,
  // The APCM behavioral-health add-ons start in CY2026 (docs/rules/apcm-behavioral-add-ons.md).
  apcmBehavioralAddOns: null,
  digitalMentalHealth: DMHT_CY2025,
  feesNotSourced: [
    'G0506',
    '99495',
    '99496',
    '99453',
    '99454',
    '99457',
    '99458',
    '98975',
    '98976',
    '98977',
    '98978',
    '98980',
    '98981',
    '99091',
    'G0552',
    'G0553',
    'G0554',
    // CHI/PIN (extension 1.3)
    'G0019',
    'G0022',
    'G0023',
    'G0024',
    'G0140',
    'G0146',
  ],
};
