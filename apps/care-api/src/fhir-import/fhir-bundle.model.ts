import type { PractitionerRole as CareRole, Program } from '@careledger/domain';

/** Code systems and extensions the import reads (ADR 1113); the same `urn:careledger:` systems as the export. */
export const IMPORT_SYSTEMS = {
  npi: 'http://hl7.org/fhir/sid/us-npi',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  credential: 'http://terminology.hl7.org/CodeSystem/v2-0360',
  timezone: 'http://hl7.org/fhir/StructureDefinition/timezone',
  organizationKind: 'urn:careledger:organization-kind',
  practitionerRole: 'urn:careledger:practitioner-role',
  encounterKind: 'urn:careledger:encounter-kind',
  program: 'urn:careledger:program',
  consentMethod: 'urn:careledger:consent-method',
  consentAttestation: 'urn:careledger:consent-attestation',
  carePlanKind: 'urn:careledger:care-plan-kind',
  carePlanAttestation: 'urn:careledger:care-plan-attestation',
  careledgerPractitioner: 'urn:careledger:practitioner',
  performerRole: 'urn:careledger:performer-role',
  careSetting: 'urn:careledger:care-setting',
  separatelyBilledAs: 'urn:careledger:separately-billed-as',
  ucum: 'http://unitsofmeasure.org',
  psychotherapy: 'urn:careledger:psychotherapy',
  episodeStartedOn: 'urn:careledger:episode-started-on',
  pharmacologicManagement: 'urn:careledger:pharmacologic-management',
  careledgerPatient: 'urn:careledger:patient',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
} as const;

/** An external key: the mapping table's `(resource type, system, value)`. */
export interface ExternalKey {
  resourceType: MappedType;
  system: string;
  value: string;
  /** `meta.versionId` of the entry, recorded with the mapping (informational). */
  versionId: string | null;
}

/** Resource types whose external identifiers map to a CareLedger id. */
export type MappedType =
  'Organization' | 'Practitioner' | 'Patient' | 'Condition' | 'Encounter' | 'Consent' | 'CarePlan';

/**
 * A reference as the parser found it: to another entry of the Bundle (by `fullUrl`), to an existing
 * CareLedger id (`Type/id`), or conditional (`Type?identifier=system|value`, looked up in the mapping).
 */
export type ParsedRef = { expression: string; type: MappedType } & (
  | { kind: 'entry'; index: number }
  | { kind: 'id'; id: string }
  | { kind: 'identifier'; system: string; value: string }
);

interface Base {
  /** Position in `Bundle.entry`. */
  index: number;
  /** `Bundle.entry[i].resource`, the prefix of every expression of this entry. */
  path: string;
}

export interface ParsedOrganization extends Base {
  type: 'Organization';
  key: ExternalKey;
  name: string;
  timezone: string;
  kind: string;
  paths: FieldPaths;
}
export interface ParsedPractitioner extends Base {
  type: 'Practitioner';
  key: ExternalKey;
  credential: string;
  paths: FieldPaths;
}
export interface ParsedPractitionerRole extends Base {
  type: 'PractitionerRole';
  practitioner: ParsedRef;
  organization: ParsedRef;
  role: CareRole;
  paths: FieldPaths;
}
export interface ParsedPatient extends Base {
  type: 'Patient';
  key: ExternalKey;
  /** Set when the Patient carries CareLedger's own id (`urn:careledger:patient`). */
  careledgerId: string | null;
  ehrPatientId: string | undefined;
  organization: ParsedRef;
  paths: FieldPaths;
}
export interface ParsedCondition extends Base {
  type: 'Condition';
  key: ExternalKey;
  subject: ParsedRef;
  icd10: string;
  diagnosedOn: string;
  resolvedOn: string | null;
  paths: FieldPaths;
}
export interface ParsedEncounter extends Base {
  type: 'Encounter';
  key: ExternalKey;
  subject: ParsedRef;
  practitioner: ParsedRef;
  kind: string;
  on: string;
  /** Set for logged care time (ADR 1112: an Encounter with `length`): the facts of `LogCareTime`. */
  careTime: ParsedCareTime | null;
  /** Psychotherapy or pharmacologic management at the visit (the export's extensions, ADR 1119). */
  services: ParsedVisitService[];
  /** `reasonCode` codings of the program system: the programs discussed at the visit (initiation). */
  programsDiscussed: Program[];
  paths: FieldPaths;
}
export interface ParsedVisitService {
  kind: 'psychotherapy' | 'pharmacologic-management';
  practitioner: ParsedRef;
  minutes?: number;
  withEM?: boolean;
}
/** The care-time facts of an Encounter with `length` (ADR 1119); `practitioner` is the performer. */
export interface ParsedCareTime {
  program: Program;
  performerRole: CareRole;
  billingPractitioner: ParsedRef;
  startedAt: string;
  minutes: number;
  activity: string;
  careSetting?: string;
  separatelyBilledAs?: string;
}
export interface ParsedConsent extends Base {
  type: 'Consent';
  key: ExternalKey;
  subject: ParsedRef;
  billingPractitioner: ParsedRef;
  program: Program;
  method: string;
  obtainedAt: string;
  costSharingExplained: boolean;
  /** Extension `urn:careledger:episode-started-on` (valueDate): the CoCM/BHI episode's start. */
  episodeStartedOn: string | null;
  revokedAt: string | null;
  paths: FieldPaths;
}
export interface ParsedCarePlan extends Base {
  type: 'CarePlan';
  key: ExternalKey;
  subject: ParsedRef;
  author: ParsedRef;
  program: Program;
  kind: string;
  establishedOn: string;
  problems: string[];
  goals: string[];
  interventions: string[];
  sharedWithPatient: boolean;
  /** Date of `meta.lastUpdated`: the revision date when this version changes an imported plan. */
  revisedOn: string | null;
  /** `category` attestation `substantial-revision` (CarePlanRevised.substantial). */
  substantialRevision: boolean;
  paths: FieldPaths;
}

/** A command field -> the FHIRPath of the element it came from (for errors the deciders raise). */
export type FieldPaths = Record<string, string>;

export type ParsedEntry =
  | ParsedOrganization
  | ParsedPractitioner
  | ParsedPractitionerRole
  | ParsedPatient
  | ParsedCondition
  | ParsedEncounter
  | ParsedConsent
  | ParsedCarePlan;

/** A bad element of the Bundle: its FHIRPath, what is wrong, and the stable code. */
export interface BundleIssue {
  expression: string;
  message: string;
}

/** The resource types a transaction may carry (ADR 1113). */
export const IMPORTED_TYPES = [
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Patient',
  'Condition',
  'Encounter',
  'Consent',
  'CarePlan',
] as const;

/** Largest number of entries one transaction may carry. */
export const MAX_BUNDLE_ENTRIES = 5_000;
