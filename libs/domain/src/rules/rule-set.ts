/**
 * A billing rule set: every threshold, unit cap, code and fee the engine uses, as data (RULES.md:
 * "Rule sets are data, versioned by year"). The engine reads only this structure, so a payer variant
 * or a new calendar year is a new object, not an `if` in the engine.
 */

/** Identifier stamped on every determination (`CY2025`, `CY2026`). */
export type RuleSetVersion = 'CY2025' | 'CY2026';

/** A base code with an optional add-on per further full block of minutes. */
export interface FullTimeTable {
  /** Minutes needed for the base code (full time: the whole threshold must be met). */
  readonly threshold: number;
  readonly baseCode: string;
  /** Add-on code billed per further full `addOnEvery` minutes; null when the code has no add-on. */
  readonly addOnCode: string | null;
  readonly addOnEvery: number;
  /** Most add-on units per month; null when uncapped. Minutes above the cap bill nothing (OVER_CAP). */
  readonly addOnMaxUnits: number | null;
}

/**
 * CoCM midpoint table for one kind of month: `g2214From..baseFrom-1` bills the low-intensity code,
 * `baseFrom..` the base code, then one add-on unit per `addOnEvery` minutes beyond `addOnAfter`,
 * each unit reached `addOnMidpoint` minutes into its block.
 */
export interface CocmMonthTable {
  readonly lowCodeFrom: number;
  readonly lowCode: string;
  readonly baseFrom: number;
  readonly baseCode: string;
  readonly addOnCode: string;
  readonly addOnAfter: number;
  readonly addOnEvery: number;
  readonly addOnMidpoint: number;
}

/** A per-encounter psychotherapy add-on range (inclusive bounds; `maxMinutes` null = open). */
export interface PsychotherapyRange {
  readonly code: string;
  readonly minMinutes: number;
  readonly maxMinutes: number | null;
}

/** Device-supply codes of one device category: 16-30 data days, and 2-15 days where the year has the code. */
export interface MonitoringDeviceCodes {
  readonly full: string;
  /** Null in a year without a short-duration device code (CY2025). */
  readonly short: string | null;
}

/** One remote-monitoring family (RPM or RTM) of a rule set (docs/rules/remote-monitoring.md). */
export interface MonitoringFamily {
  /** Set-up and patient education, once per family and billing practitioner. */
  readonly setupCode: string;
  /** Device-supply codes by device category (RPM: physiologic; RTM: respiratory, musculoskeletal, cbt). */
  readonly device: Readonly<
    Partial<Record<'physiologic' | 'respiratory' | 'musculoskeletal' | 'cbt', MonitoringDeviceCodes>>
  >;
  /** Treatment management per calendar month: first 20 minutes, each further 20 (no cap). */
  readonly management: FullTimeTable;
  /** The first-10-minutes management code and its threshold; null in a year without it (CY2025). */
  readonly managementShort: { readonly code: string; readonly threshold: number } | null;
}

/**
 * Navigation and integration services (extension 1.3, docs/rules/navigation-and-integration.md): CHI,
 * PIN and PIN peer support, each "60 minutes per calendar month" + "each additional 30 minutes".
 */
export interface NavigationRules {
  readonly CHI: FullTimeTable;
  readonly PIN: FullTimeTable;
  readonly PIN_PS: FullTimeTable;
  /** Visit kinds that initiate (an E/M other than level 1, an AWV, the E/M of TCM). */
  readonly initiatingKinds: readonly string[];
  /** Lowest known office E/M level that initiates (99211 does not). */
  readonly minEmLevel: number;
}

/** How rural health clinics and FQHCs bill care management in the rule set's year. */
export type RhcFqhcBilling = 'individual_codes';

/** One complete rule set. */
export interface RuleSet {
  readonly version: RuleSetVersion;
  /** Calendar year the rule set covers (months `YYYY-01`..`YYYY-12`). */
  readonly year: number;
  /** Where the fee amounts come from (stamped on determinations for audit). */
  readonly feeSource: string;
  /**
   * CY national non-facility amount per code in US cents (shared/data/README.md). Null for codes
   * that have no payable amount (status I). Used only to choose between exclusive alternatives.
   */
  readonly feesCents: Readonly<Record<string, number | null>>;
  readonly ccm: {
    /** Clinical staff time (plus the billing practitioner's own minutes). */
    readonly staff: FullTimeTable;
    /** The billing practitioner's own minutes ("personally"). */
    readonly personal: FullTimeTable;
    /** Complex CCM, only with a moderate/high-MDM plan establishment or substantial revision that month. */
    readonly complex: FullTimeTable;
    /** MDM levels that satisfy the complex criteria. */
    readonly complexMdmLevels: readonly string[];
    /** Minimum active chronic conditions (distinct ICD-10-CM categories). */
    readonly minChronicConditions: number;
  };
  readonly pcm: {
    readonly staff: FullTimeTable;
    readonly personal: FullTimeTable;
    readonly minHighRiskChronicConditions: number;
    /**
     * Months a condition must be expected to last for PCM, when the condition records an expected
     * duration (extension 1.1); without it the chronic indicator decides, as in v1.
     */
    readonly minExpectedDurationMonths: number;
  };
  readonly bhi: { readonly staff: FullTimeTable };
  readonly cocm: { readonly initial: CocmMonthTable; readonly subsequent: CocmMonthTable };
  readonly apcm: {
    /** Level codes: up to one chronic condition, two or more, two or more and QMB. */
    readonly singleOrNone: string;
    readonly multiple: string;
    readonly multipleQmb: string;
    readonly multipleFrom: number;
  };
  /**
   * CY2026 APCM behavioral-health add-ons (docs/rules/apcm-behavioral-add-ons.md): CoCM or BHI furnished
   * under APCM by the practitioner billing APCM that month; `excludes` are the standalone codes that
   * practitioner does not bill that month. Null in a year without them (CY2025).
   */
  readonly apcmBehavioralAddOns: {
    readonly cocmInitial: string;
    readonly cocmSubsequent: string;
    readonly bhi: string;
    readonly excludes: readonly string[];
  } | null;
  /**
   * Digital mental health treatment (docs/rules/digital-mental-health-treatment.md): the device supply
   * code once per course, the monthly treatment-management table, and the FDA regulations whose devices
   * the year's codes cover.
   */
  readonly digitalMentalHealth: {
    readonly supplyCode: string;
    readonly management: FullTimeTable;
    readonly deviceRegulations: readonly string[];
  };
  readonly psychotherapyAddOns: readonly PsychotherapyRange[];
  /** Pharmacologic-management add-on code (only for practitioners who cannot bill E/M). */
  readonly pharmacologicAddOn: string;
  /** Qualifying visit kinds for the initiating-visit rule and the look-back in years. */
  readonly initiatingVisit: {
    readonly kinds: readonly string[];
    readonly lookBackYears: 1;
    /** Lowest E/M level of an `em_office` visit that initiates, where the level is recorded (99211 does not). */
    readonly minEmLevel: number;
  };
  /** Timed programs whose minutes do not count while the patient is an inpatient (care setting, extension 1.1). */
  readonly inpatientTimeNotCounted: readonly ('CCM' | 'PCM' | 'BHI' | 'CoCM')[];
  /**
   * Codes with PFS status I (not payable by Medicare): lines are kept (other payers may pay them),
   * carry no Medicare fee and raise NO_MEDICARE_FEE.
   */
  readonly notPayableByMedicare: readonly string[];
  /**
   * G0506, the CCM initiating add-on (docs/rules/ccm-initiating-add-on.md): billed with a visit of
   * one of `visitKinds` that records an extensive CCM assessment, once per patient and practitioner.
   */
  readonly ccmInitiatingAddOn: { readonly code: string; readonly visitKinds: readonly string[] };
  /** Transitional care management (docs/rules/transitional-care-management.md). */
  readonly tcm: {
    readonly moderateCode: string;
    readonly highCode: string;
    /** Face-to-face visit within this many calendar days of discharge for the high code (high MDM). */
    readonly highWithinDays: number;
    /** ... and for the moderate code (moderate or high MDM). */
    readonly moderateWithinDays: number;
    /** Interactive contact within this many business days after discharge. */
    readonly contactBusinessDays: number;
    /** Days of the service period starting on the discharge date; one TCM per period. */
    readonly periodDays: number;
  };
  /** CHI, PIN and PIN peer support (extension 1.3, docs/rules/navigation-and-integration.md). */
  readonly navigation: NavigationRules;
  /** Remote physiologic and therapeutic monitoring (docs/rules/remote-monitoring.md). */
  readonly remoteMonitoring: {
    readonly RPM: MonitoringFamily;
    readonly RTM: MonitoringFamily;
    /** Data days in a 30-day period for the full device code (16-30 days). */
    readonly fullDeviceFromDays: number;
    /** Data days for the short device code (2-15 days), where the year has one. */
    readonly shortDeviceFromDays: number;
    /**
     * 99091: the practitioner's own collection and interpretation of the data, `threshold` minutes in the
     * month; not billed with `notWith` (the same practitioner's RPM management codes that month).
     */
    readonly interpretation: {
      readonly code: string;
      readonly threshold: number;
      readonly notWith: readonly string[];
    };
  };
  /**
   * Codes whose CY national amount is not in ../shared/data/README.md and could not be sourced: their
   * `feesCents` entry is null for that reason, not because the code is unpaid (status I codes are in
   * `notPayableByMedicare`). Every null fee is in exactly one of the two lists (rule-set.registry.spec).
   */
  readonly feesNotSourced: readonly string[];
  /** Compliance review thresholds (flags only; docs/rules/compliance-review.md). */
  readonly compliance: {
    /** One staff member's minutes for this patient on one local date above this are implausible. */
    readonly maxDailyMinutesPerStaff: number;
    /** An entry recorded more than this many days after it started is late. */
    readonly lateEntryDays: number;
  };
  readonly rhcFqhc: RhcFqhcBilling;
  /**
   * Performer roles whose minutes count per time-based program, besides the billing practitioner's
   * own minutes (RULES.md 2, role table). Any other role is `ROLE_NOT_COUNTED`.
   */
  readonly countedRoles: Readonly<Record<'CCM' | 'PCM' | 'BHI' | 'CoCM', readonly string[]>>;
  /** Roles under which a billing practitioner's own minutes count ("personally" / own care-manager time). */
  readonly ownMinutesRoles: readonly string[];
}
