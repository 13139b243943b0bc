import type { RuleSet } from '../rule-set';
import { COMMON_TABLES, DMHT_CY2025, MONITORING_CY2025 } from './common-tables';

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
    '99445': null,
    '99470': null,
    '98984': null,
    '98985': null,
    '98986': null,
    '98979': null,
    '99091': null,
    // APCM behavioral-health add-ons: no national amounts in shared/data/README.md, none sourced (issue 17).
    G0568: null,
    G0569: null,
    G0570: null,
    // DMHT: G0552 is contractor-priced; no national amounts sourced (issue 17).
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
  // CoCM initial / subsequent month and general BHI furnished under APCM (CMS-1832-F; apcm-behavioral-add-ons.md).
  apcmBehavioralAddOns: {
    cocmInitial: 'G0568',
    cocmSubsequent: 'G0569',
    bhi: 'G0570',
    excludes: ['99484', '99492', '99493', '99494', 'G2214'],
  },
  // CY2026 adds digital therapy devices for ADHD, 21 CFR 882.5803 (docs/rules/digital-mental-health-treatment.md).
  digitalMentalHealth: { ...DMHT_CY2025, deviceRegulations: ['882.5801', '882.5803'] },
  // CY2026 adds the 2-15 day device codes and the first-10-minutes management codes (docs/rules/remote-monitoring.md).
  remoteMonitoring: {
    ...MONITORING_CY2025,
    RPM: {
      ...MONITORING_CY2025.RPM,
      device: { physiologic: { full: '99454', short: '99445' } },
      managementShort: { code: '99470', threshold: 10 },
    },
    RTM: {
      ...MONITORING_CY2025.RTM,
      device: {
        respiratory: { full: '98976', short: '98984' },
        musculoskeletal: { full: '98977', short: '98985' },
        cbt: { full: '98978', short: '98986' },
      },
      managementShort: { code: '98979', threshold: 10 },
    },
    // 99470 is the shorter RPM management code of CY2026: not billed with 99091 either (reading).
    interpretation: { ...MONITORING_CY2025.interpretation, notWith: ['99457', '99458', '99470'] },
  },
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
    '99445',
    '99470',
    '98984',
    '98985',
    '98986',
    '98979',
    '99091',
    'G0568',
    'G0569',
    'G0570',
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
