import type { RuleSet } from '../rule-set';

/**
 * Time-to-code tables that CY2025 and CY2026 share (RULES.md 4). Kept as one value so the two years
 * cannot drift apart by a typo; a year that changes a table spreads this and overrides the part.
 */
/** RPM and RTM as in CY2025 (no short-duration codes); CY2026 adds them (docs/rules/remote-monitoring.md). */
export const MONITORING_CY2025: RuleSet['remoteMonitoring'] = {
  RPM: {
    setupCode: '99453',
    device: { physiologic: { full: '99454', short: null } },
    management: { threshold: 20, baseCode: '99457', addOnCode: '99458', addOnEvery: 20, addOnMaxUnits: null },
    managementShort: null,
  },
  RTM: {
    setupCode: '98975',
    device: {
      respiratory: { full: '98976', short: null },
      musculoskeletal: { full: '98977', short: null },
      cbt: { full: '98978', short: null },
    },
    management: { threshold: 20, baseCode: '98980', addOnCode: '98981', addOnEvery: 20, addOnMaxUnits: null },
    managementShort: null,
  },
  fullDeviceFromDays: 16,
  shortDeviceFromDays: 2,
  interpretation: { code: '99091', threshold: 30, notWith: ['99457', '99458'] },
};

/** DMHT as in CY2025 (computerized behavioral therapy devices, 21 CFR 882.5801); CY2026 adds ADHD devices. */
export const DMHT_CY2025: RuleSet['digitalMentalHealth'] = {
  supplyCode: 'G0552',
  management: { threshold: 20, baseCode: 'G0553', addOnCode: 'G0554', addOnEvery: 20, addOnMaxUnits: null },
  deviceRegulations: ['882.5801'],
};

export const COMMON_TABLES: Omit<
  RuleSet,
  | 'version'
  | 'year'
  | 'feeSource'
  | 'feesCents'
  | 'remoteMonitoring'
  | 'feesNotSourced'
  | 'apcmBehavioralAddOns'
  | 'digitalMentalHealth'
> = {
  ccm: {
    staff: { threshold: 20, baseCode: '99490', addOnCode: '99439', addOnEvery: 20, addOnMaxUnits: 2 },
    personal: { threshold: 30, baseCode: '99491', addOnCode: '99437', addOnEvery: 30, addOnMaxUnits: null },
    complex: { threshold: 60, baseCode: '99487', addOnCode: '99489', addOnEvery: 30, addOnMaxUnits: null },
    complexMdmLevels: ['moderate', 'high'],
    minChronicConditions: 2,
  },
  pcm: {
    staff: { threshold: 30, baseCode: '99426', addOnCode: '99427', addOnEvery: 30, addOnMaxUnits: null },
    personal: { threshold: 30, baseCode: '99424', addOnCode: '99425', addOnEvery: 30, addOnMaxUnits: null },
    minHighRiskChronicConditions: 1,
    minExpectedDurationMonths: 3,
  },
  bhi: { staff: { threshold: 20, baseCode: '99484', addOnCode: null, addOnEvery: 20, addOnMaxUnits: null } },
  cocm: {
    initial: {
      lowCodeFrom: 16,
      lowCode: 'G2214',
      baseFrom: 36,
      baseCode: '99492',
      addOnCode: '99494',
      addOnAfter: 70,
      addOnEvery: 30,
      addOnMidpoint: 16,
    },
    subsequent: {
      lowCodeFrom: 16,
      lowCode: 'G2214',
      baseFrom: 31,
      baseCode: '99493',
      addOnCode: '99494',
      addOnAfter: 60,
      addOnEvery: 30,
      addOnMidpoint: 16,
    },
  },
  apcm: { singleOrNone: 'G0556', multiple: 'G0557', multipleQmb: 'G0558', multipleFrom: 2 },
  psychotherapyAddOns: [
    { code: '90833', minMinutes: 16, maxMinutes: 37 },
    { code: '90836', minMinutes: 38, maxMinutes: 52 },
    { code: '90838', minMinutes: 53, maxMinutes: null },
  ],
  pharmacologicAddOn: '90863',
  initiatingVisit: { kinds: ['em_office', 'awv', 'ippe', 'tcm'], lookBackYears: 1, minEmLevel: 2 },
  inpatientTimeNotCounted: ['CCM'],
  notPayableByMedicare: ['90863'],
  ccmInitiatingAddOn: { code: 'G0506', visitKinds: ['em_office', 'awv', 'ippe'] },
  tcm: {
    moderateCode: '99495',
    highCode: '99496',
    highWithinDays: 7,
    moderateWithinDays: 14,
    contactBusinessDays: 2,
    periodDays: 30,
  },
  // CHI G0019/G0022, PIN G0023/G0024, PIN peer support G0140/G0146 (docs/rules/navigation-and-integration.md)
  navigation: {
    CHI: { threshold: 60, baseCode: 'G0019', addOnCode: 'G0022', addOnEvery: 30, addOnMaxUnits: null },
    PIN: { threshold: 60, baseCode: 'G0023', addOnCode: 'G0024', addOnEvery: 30, addOnMaxUnits: null },
    PIN_PS: { threshold: 60, baseCode: 'G0140', addOnCode: 'G0146', addOnEvery: 30, addOnMaxUnits: null },
    initiatingKinds: ['em_office', 'awv', 'tcm'],
    minEmLevel: 2,
  },
  compliance: { maxDailyMinutesPerStaff: 240, lateEntryDays: 30 },
  rhcFqhc: 'individual_codes',
  countedRoles: {
    CCM: ['clinical_staff'],
    PCM: ['clinical_staff'],
    BHI: ['clinical_staff'],
    CoCM: ['bhcm'],
  },
  ownMinutesRoles: ['physician', 'qhp'],
};
