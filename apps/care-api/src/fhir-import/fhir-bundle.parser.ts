import type { Program } from '@careledger/domain';
import {
  IMPORT_SYSTEMS as S,
  IMPORTED_TYPES,
  MAX_BUNDLE_ENTRIES,
  type BundleIssue,
  type ParsedCarePlan,
  type ParsedCareTime,
  type ParsedEncounter,
  type ParsedVisitService,
  type ParsedConsent,
  type ParsedEntry,
  type ParsedPractitionerRole,
  type ParsedRef,
} from './fhir-bundle.model';
import {
  array,
  codeIn,
  date,
  ElementError,
  identifierKey,
  instant,
  isObject,
  issueOf,
  object,
  reference,
  requiredCode,
  string,
  type Json,
} from './fhir-elements';

type FullUrls = ReadonlyMap<string, { index: number; type: string }>;

/** The result of parsing: the entries, or every bad element (one per entry at most). */
export type ParseResult = { ok: true; entries: ParsedEntry[] } | { ok: false; issues: BundleIssue[] };

/**
 * Reads a FHIR R4 `transaction` Bundle into the facts the care-api commands need (ADR 1113). Pure:
 * no database, no clock. Every problem is named by the FHIRPath of the bad element
 * (`Bundle.entry[3].resource.onsetDateTime`); one issue per entry, every entry checked.
 */
export function parseTransactionBundle(body: unknown): ParseResult {
  try {
    return parseBundle(body);
  } catch (err) {
    if (err instanceof ElementError) return { ok: false, issues: [issueOf(err)] };
    throw err;
  }
}

function parseBundle(body: unknown): ParseResult {
  if (!isObject(body)) throw new ElementError('Bundle', 'must be a FHIR Bundle (a JSON object)');
  if (body.resourceType !== 'Bundle') throw new ElementError('Bundle.resourceType', 'must be Bundle');
  if (body.type !== 'transaction') {
    throw new ElementError('Bundle.type', 'must be transaction (batch and other types are not accepted)');
  }
  const raw = array(body, 'entry', 'Bundle');
  if (raw.length === 0) throw new ElementError('Bundle.entry', 'must hold at least one entry');
  if (raw.length > MAX_BUNDLE_ENTRIES)
    throw new ElementError('Bundle.entry', `must hold at most ${MAX_BUNDLE_ENTRIES} entries`);
  const fullUrls = new Map<string, { index: number; type: string }>();
  const issues: BundleIssue[] = [];
  raw.forEach((entry, i) => {
    try {
      if (!isObject(entry)) throw new ElementError(`Bundle.entry[${i}]`, 'must be an object');
      const resource = object(entry, 'resource', `Bundle.entry[${i}]`);
      const type = string(resource, 'resourceType', `Bundle.entry[${i}].resource`);
      if (!(IMPORTED_TYPES as readonly string[]).includes(type)) {
        throw new ElementError(
          `Bundle.entry[${i}].resource.resourceType`,
          `${type} is not imported (see /metadata)`,
        );
      }
      const request = object(entry, 'request', `Bundle.entry[${i}]`);
      if (request.method !== 'POST') {
        throw new ElementError(
          `Bundle.entry[${i}].request.method`,
          'must be POST (create; a re-sent version is recognised)',
        );
      }
      if (request.url !== type) throw new ElementError(`Bundle.entry[${i}].request.url`, `must be ${type}`);
      if (entry.fullUrl !== undefined) {
        const url = string(entry, 'fullUrl', `Bundle.entry[${i}]`);
        if (fullUrls.has(url))
          throw new ElementError(`Bundle.entry[${i}].fullUrl`, `repeats entry ${fullUrls.get(url)!.index}`);
        fullUrls.set(url, { index: i, type });
      }
    } catch (err) {
      if (!(err instanceof ElementError)) throw err;
      issues.push(issueOf(err));
    }
  });
  if (issues.length > 0) return { ok: false, issues };
  const entries: ParsedEntry[] = [];
  raw.forEach((entry, i) => {
    try {
      entries.push(parseEntry(entry as Json, i, fullUrls));
    } catch (err) {
      if (!(err instanceof ElementError)) throw err;
      issues.push(issueOf(err));
    }
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, entries };
}

function parseEntry(entry: Json, index: number, fullUrls: FullUrls): ParsedEntry {
  const r = entry.resource as Json;
  const path = `Bundle.entry[${index}].resource`;
  const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : null;
  if (r.id !== undefined && typeof r.id !== 'string')
    throw new ElementError(`${path}.id`, 'must be a string');
  const base = { index, path };
  switch (r.resourceType as (typeof IMPORTED_TYPES)[number]) {
    case 'Organization': {
      const tz = timezoneOf(r, path);
      const kind = codeIn(r, 'type', S.organizationKind, path);
      return {
        ...base,
        type: 'Organization',
        key: identifierKey(r, 'Organization', path, fullUrl),
        name: string(r, 'name', path),
        timezone: tz.code,
        kind: kind?.code ?? 'practice',
        paths: { name: `${path}.name`, timezone: tz.path, kind: kind?.path ?? `${path}.type` },
      };
    }
    case 'Practitioner': {
      // The NPI, else CareLedger's own practitioner id (a CareLedger export of a practitioner without NPI).
      const ids = array(r, 'identifier', path);
      const hasNpi = ids.some((x) => isObject(x) && x.system === S.npi);
      const keySystem =
        !hasNpi && ids.some((x) => isObject(x) && x.system === S.careledgerPractitioner)
          ? S.careledgerPractitioner
          : S.npi;
      const npi = identifierKey(r, 'Practitioner', path, null, keySystem);
      const npiPath = `${path}.identifier[${ids.findIndex((x) => isObject(x) && x.system === keySystem)}].value`;
      if (keySystem === S.npi && !validNpi(npi.value))
        throw new ElementError(npiPath, 'must be a 10-digit NPI with a valid check digit');
      const qualifications = array(r, 'qualification', path);
      if (qualifications.length === 0)
        throw new ElementError(`${path}.qualification`, 'is required (the credential: MD, NP, RN, ...)');
      const q = qualifications[0];
      if (!isObject(q)) throw new ElementError(`${path}.qualification[0]`, 'must be an object');
      const credential = requiredCode(q, 'code', S.credential, `${path}.qualification[0]`);
      return {
        ...base,
        type: 'Practitioner',
        key: npi,
        credential: credential.code,
        paths: { credential: credential.path, practitionerId: npiPath },
      };
    }
    case 'PractitionerRole': {
      const role = requiredCode(r, 'code', S.practitionerRole, path);
      const practitioner = reference(r, 'practitioner', 'Practitioner', path, fullUrls);
      const organization = reference(r, 'organization', 'Organization', path, fullUrls);
      return {
        ...base,
        type: 'PractitionerRole',
        practitioner,
        organization,
        role: role.code as ParsedPractitionerRole['role'],
        paths: {
          role: role.path,
          organizationId: organization.expression,
          practitionerId: practitioner.expression,
          credential: practitioner.expression,
        },
      };
    }
    case 'Patient':
      return parsePatient(r, base, fullUrls);
    case 'Condition':
      return parseCondition(r, base, fullUrl, fullUrls);
    case 'Encounter':
      return parseEncounter(r, base, fullUrl, fullUrls);
    case 'Consent':
      return parseConsent(r, base, fullUrl, fullUrls);
    case 'CarePlan':
      return parseCarePlan(r, base, fullUrl, fullUrls);
  }
}

function timezoneOf(r: Json, path: string): { code: string; path: string } {
  const exts = array(r, 'extension', path);
  for (let k = 0; k < exts.length; k++) {
    const x = exts[k];
    if (isObject(x) && x.url === S.timezone) {
      return {
        code: string(x, 'valueCode', `${path}.extension[${k}]`),
        path: `${path}.extension[${k}].valueCode`,
      };
    }
  }
  throw new ElementError(
    `${path}.extension`,
    `needs the ${S.timezone} extension (an IANA zone: it defines the months)`,
  );
}

/** NPI check digit: Luhn over `80840` + the first nine digits (CMS NPI standard). */
export function validNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = digits.length - 1, alt = false; i >= 0; i--, alt = !alt) {
    let d = Number(digits[i]);
    if (alt) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

type Base = { index: number; path: string };

/** Identifier systems never read: a social security number or a Medicare number is no EHR patient id. */
const NEVER_KEPT = new Set([
  'http://hl7.org/fhir/sid/us-ssn',
  'http://hl7.org/fhir/sid/us-mbi',
  'http://hl7.org/fhir/sid/us-medicare',
]);

const isMrn = (x: Json): boolean =>
  isObject(x.type) &&
  Array.isArray(x.type.coding) &&
  x.type.coding.some((c: unknown) => isObject(c) && c.code === 'MR');

function parsePatient(r: Json, base: Base, fullUrls: FullUrls): ParsedEntry {
  const path = base.path;
  const ids = array(r, 'identifier', path);
  if (ids.length === 0)
    throw new ElementError(`${path}.identifier`, "is required (the EHR's patient identifier, MRN)");
  ids.forEach((x, k) => {
    if (!isObject(x)) throw new ElementError(`${path}.identifier[${k}]`, 'must be an Identifier');
  });
  const list = ids as Json[];
  const own = list.findIndex((x) => x.system === S.careledgerPatient);
  // The EHR's id: the identifier typed MR, else the first one that is neither CareLedger's nor an SSN/MBI.
  const usable = list
    .map((x, k) => ({ x, k }))
    .filter(({ x }) => x.system !== S.careledgerPatient && !NEVER_KEPT.has(x.system as string));
  const ehr = usable.find(({ x }) => isMrn(x)) ?? usable[0];
  if (!ehr && own < 0)
    throw new ElementError(
      `${path}.identifier`,
      "needs the EHR's patient identifier (MRN); SSN and MBI are not read",
    );
  const at = ehr?.k ?? own;
  const chosen = list[at]!;
  const key = {
    resourceType: 'Patient' as const,
    system: string(chosen, 'system', `${path}.identifier[${at}]`),
    value: string(chosen, 'value', `${path}.identifier[${at}]`),
    versionId: isObject(r.meta) && typeof r.meta.versionId === 'string' ? r.meta.versionId : null,
  };
  const active = r.active;
  if (active !== undefined && active !== true)
    throw new ElementError(`${path}.active`, 'must be true (an inactive patient is not imported)');
  if (r.deceasedBoolean === true || r.deceasedDateTime !== undefined) {
    throw new ElementError(
      `${path}.deceased${r.deceasedBoolean === true ? 'Boolean' : 'DateTime'}`,
      'is not imported (CareLedger keeps no death record)',
    );
  }
  return {
    ...base,
    type: 'Patient',
    key,
    careledgerId: own >= 0 ? string(list[own]!, 'value', `${path}.identifier[${own}]`) : null,
    ehrPatientId: ehr ? key.value : undefined,
    organization: reference(r, 'managingOrganization', 'Organization', path, fullUrls),
    paths: {
      ehrPatientId: `${path}.identifier[${at}].value`,
      organizationId: `${path}.managingOrganization.reference`,
      patientId: `${path}.identifier[${own < 0 ? at : own}].value`,
    },
  };
}

const RESOLVED = new Set(['resolved', 'remission', 'inactive']);
const ACTIVE = new Set(['active', 'recurrence', 'relapse']);

function parseCondition(r: Json, base: Base, fullUrl: string | null, fullUrls: FullUrls): ParsedEntry {
  const path = base.path;
  const status = requiredCode(r, 'clinicalStatus', S.conditionClinical, path);
  if (!RESOLVED.has(status.code) && !ACTIVE.has(status.code)) {
    throw new ElementError(
      status.path,
      'must be a condition-clinical code (active, recurrence, relapse, inactive, remission, resolved)',
    );
  }
  const verification = isObject(r.verificationStatus)
    ? codeIn(r, 'verificationStatus', 'http://terminology.hl7.org/CodeSystem/condition-ver-status', path)
    : null;
  if (verification && ['refuted', 'entered-in-error'].includes(verification.code)) {
    throw new ElementError(
      verification.path,
      'is not imported (a refuted or erroneous diagnosis is no diagnosis)',
    );
  }
  const icd = requiredCode(r, 'code', S.icd10cm, path);
  if (
    r.onsetDateTime === undefined &&
    (r.onsetPeriod !== undefined || r.onsetAge !== undefined || r.onsetString !== undefined)
  ) {
    throw new ElementError(`${path}.onset[x]`, 'must be onsetDateTime (the diagnosis date)');
  }
  const diagnosedOn = date(r, 'onsetDateTime', path);
  const resolved = RESOLVED.has(status.code);
  const resolvedOn = resolved ? date(r, 'abatementDateTime', path) : null;
  if (!resolved && r.abatementDateTime !== undefined) {
    throw new ElementError(
      `${path}.abatementDateTime`,
      `must be absent while clinicalStatus is ${status.code}`,
    );
  }
  return {
    ...base,
    type: 'Condition',
    key: identifierKey(r, 'Condition', path, fullUrl),
    subject: reference(r, 'subject', 'Patient', path, fullUrls),
    icd10: icd.code,
    diagnosedOn,
    resolvedOn,
    paths: {
      icd10: icd.path,
      diagnosedOn: `${path}.onsetDateTime`,
      resolvedOn: `${path}.abatementDateTime`,
      conditionId: `${path}.identifier`,
    },
  };
}

function parseEncounter(r: Json, base: Base, fullUrl: string | null, fullUrls: FullUrls): ParsedEntry {
  const path = base.path;
  const status = string(r, 'status', path);
  if (status !== 'finished')
    throw new ElementError(`${path}.status`, 'must be finished (CareLedger records completed visits)');
  const kind = codeIn(r, 'type', S.encounterKind, path);
  const participants = array(r, 'participant', path);
  if (participants.length === 0)
    throw new ElementError(`${path}.participant`, 'is required (the practitioner of the visit)');
  const p = participants[0];
  if (!isObject(p)) throw new ElementError(`${path}.participant[0]`, 'must be an object');
  const practitioner = reference(p, 'individual', 'Practitioner', `${path}.participant[0]`, fullUrls);
  const period = object(r, 'period', path);
  const careTime = r.length === undefined ? null : parseCareTime(r, path, period, participants, fullUrls);
  const services = careTime ? [] : visitServices(r, path, fullUrls);
  return {
    ...base,
    type: 'Encounter',
    careTime,
    services,
    programsDiscussed: careTime ? [] : programsDiscussed(r, path),
    key: identifierKey(r, 'Encounter', path, fullUrl),
    subject: reference(r, 'subject', 'Patient', path, fullUrls),
    practitioner,
    kind: kind?.code ?? 'other',
    on: careTime ? careTime.startedAt.slice(0, 10) : date(period, 'start', `${path}.period`),
    paths: {
      kind: kind?.path ?? `${path}.type`,
      on: `${path}.period.start`,
      practitionerId: practitioner.expression,
      encounterId: `${path}.identifier`,
      ...(careTime
        ? {
            performerId: practitioner.expression,
            entryId: `${path}.identifier`,
            program: `${path}.serviceType`,
            performerRole: `${path}.extension`,
            billingPractitionerId: careTime.billingPractitioner.expression,
            startedAt: `${path}.period.start`,
            minutes: `${path}.length.value`,
            activity: `${path}.type[0].text`,
            careSetting: `${path}.extension`,
            separatelyBilledAs: `${path}.extension`,
          }
        : {}),
    },
  };
}

/** The episode start of a Consent (extension `urn:careledger:episode-started-on`, valueDate), or null. */
function episodeStartedOn(r: Json, path: string): string | null {
  const exts = array(r, 'extension', path);
  const k = exts.findIndex((x) => isObject(x) && x.url === S.episodeStartedOn);
  return k < 0 ? null : date(exts[k] as Json, 'valueDate', `${path}.extension[${k}]`);
}

/** The programs discussed at a visit: the `reasonCode` codings with the program system. */
function programsDiscussed(r: Json, path: string): ParsedEncounter['programsDiscussed'] {
  return array(r, 'reasonCode', path).flatMap((c, k) =>
    isObject(c)
      ? array(c, 'coding', `${path}.reasonCode[${k}]`)
          .filter((x): x is Json => isObject(x) && x.system === S.program)
          .map((x) => string(x, 'code', `${path}.reasonCode[${k}].coding`) as Program)
      : [],
  );
}

/** The visit's psychotherapy and pharmacologic-management extensions (the export's, ADR 1119). */
function visitServices(r: Json, path: string, fullUrls: FullUrls): ParsedVisitService[] {
  const out: ParsedVisitService[] = [];
  array(r, 'extension', path).forEach((x, k) => {
    if (!isObject(x) || (x.url !== S.psychotherapy && x.url !== S.pharmacologicManagement)) return;
    const at = `${path}.extension[${k}]`;
    const parts = array(x, 'extension', at);
    const part = (url: string): { value: Json; path: string } => {
      const i = parts.findIndex((p) => isObject(p) && p.url === url);
      if (i < 0) throw new ElementError(`${at}.extension`, `needs the ${url} part`);
      return { value: parts[i] as Json, path: `${at}.extension[${i}]` };
    };
    const who = part('practitioner');
    const practitioner = reference(who.value, 'valueReference', 'Practitioner', who.path, fullUrls);
    if (x.url === S.pharmacologicManagement) {
      out.push({ kind: 'pharmacologic-management', practitioner });
      return;
    }
    const minutes = part('minutes');
    const withEM = part('withEM');
    if (!Number.isInteger(minutes.value.valueInteger) || (minutes.value.valueInteger as number) <= 0)
      throw new ElementError(`${minutes.path}.valueInteger`, 'must be a positive whole number of minutes');
    if (typeof withEM.value.valueBoolean !== 'boolean')
      throw new ElementError(`${withEM.path}.valueBoolean`, 'must be true or false');
    out.push({
      kind: 'psychotherapy',
      practitioner,
      minutes: minutes.value.valueInteger as number,
      withEM: withEM.value.valueBoolean,
    });
  });
  return out;
}

/** A coded `urn:careledger:` extension's code (the export's `careTimeExtensions`), or undefined. */
function extensionCode(r: Json, url: string, path: string): string | undefined {
  const exts = array(r, 'extension', path);
  for (let k = 0; k < exts.length; k++) {
    const x = exts[k];
    if (!isObject(x) || x.url !== url) continue;
    const c = object(x, 'valueCoding', `${path}.extension[${k}]`);
    return string(c, 'code', `${path}.extension[${k}].valueCoding`);
  }
  return undefined;
}

/**
 * Logged care time (ADR 1112, 1119): an Encounter with `length` in minutes, its program in
 * `serviceType`, the performer as participant[0] and the billing practitioner as the ATND participant.
 */
function parseCareTime(
  r: Json,
  path: string,
  period: Json,
  participants: unknown[],
  fullUrls: FullUrls,
): ParsedCareTime {
  const length = object(r, 'length', path);
  if (length.system !== S.ucum || length.code !== 'min')
    throw new ElementError(`${path}.length`, 'must be minutes (UCUM min)');
  const minutes = length.value;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes <= 0)
    throw new ElementError(`${path}.length.value`, 'must be a positive whole number of minutes');
  const program = requiredCode(r, 'serviceType', S.program, path);
  const role = extensionCode(r, S.performerRole, path);
  if (role === undefined)
    throw new ElementError(
      `${path}.extension`,
      `needs the ${S.performerRole} extension (the performer's role)`,
    );
  const b = participants.findIndex(
    (p) =>
      isObject(p) &&
      Array.isArray(p.type) &&
      p.type.some(
        (t: unknown) =>
          isObject(t) &&
          Array.isArray(t.coding) &&
          t.coding.some((c: unknown) => isObject(c) && c.code === 'ATND'),
      ),
  );
  if (b < 0)
    throw new ElementError(`${path}.participant`, 'needs the billing practitioner (an ATND participant)');
  const billingPractitioner = reference(
    participants[b] as Json,
    'individual',
    'Practitioner',
    `${path}.participant[${b}]`,
    fullUrls,
  );
  const type0 = array(r, 'type', path)[0];
  const activity = isObject(type0) && typeof type0.text === 'string' ? type0.text : '';
  if (activity.trim() === '') throw new ElementError(`${path}.type[0].text`, 'is required (the activity)');
  const careSetting = extensionCode(r, S.careSetting, path);
  const separatelyBilledAs = extensionCode(r, S.separatelyBilledAs, path);
  return {
    program: program.code as ParsedCareTime['program'],
    performerRole: role as ParsedCareTime['performerRole'],
    billingPractitioner,
    startedAt: instant(period, 'start', `${path}.period`),
    minutes,
    activity,
    ...(careSetting !== undefined ? { careSetting } : {}),
    ...(separatelyBilledAs !== undefined ? { separatelyBilledAs } : {}),
  };
}

function parseConsent(r: Json, base: Base, fullUrl: string | null, fullUrls: FullUrls): ParsedConsent {
  const path = base.path;
  const status = string(r, 'status', path);
  if (status !== 'active' && status !== 'inactive') {
    throw new ElementError(
      `${path}.status`,
      'must be active, or inactive with provision.period.end (revoked)',
    );
  }
  const provision = object(r, 'provision', path);
  if (provision.type !== undefined && provision.type !== 'permit')
    throw new ElementError(`${path}.provision.type`, 'must be permit');
  const program = requiredCode(provision, 'code', S.program, `${path}.provision`);
  const method = requiredCode(r, 'category', S.consentMethod, path);
  const costSharing = codeIn(r, 'category', S.consentAttestation, path);
  const actors = array(provision, 'actor', `${path}.provision`);
  const a = actors.findIndex(
    (x) =>
      isObject(x) &&
      isObject(x.reference) &&
      typeof x.reference.reference === 'string' &&
      !x.reference.reference.startsWith('Patient'),
  );
  if (a < 0)
    throw new ElementError(
      `${path}.provision.actor`,
      'needs the billing practitioner (a Practitioner actor)',
    );
  const billingPractitioner: ParsedRef = reference(
    actors[a] as Json,
    'reference',
    'Practitioner',
    `${path}.provision.actor[${a}]`,
    fullUrls,
  );
  const obtainedAt = instant(r, 'dateTime', path);
  const period = isObject(provision.period) ? provision.period : null;
  let revokedAt: string | null = null;
  if (status === 'inactive') {
    if (!period)
      throw new ElementError(
        `${path}.provision.period`,
        'is required with its end when the consent is inactive',
      );
    revokedAt = instant(period, 'end', `${path}.provision.period`);
  } else if (period?.end !== undefined) {
    throw new ElementError(`${path}.provision.period.end`, 'must be absent while the consent is active');
  }
  return {
    ...base,
    type: 'Consent',
    key: identifierKey(r, 'Consent', path, fullUrl),
    subject: reference(r, 'patient', 'Patient', path, fullUrls),
    billingPractitioner,
    program: program.code as ParsedConsent['program'],
    method: method.code,
    obtainedAt,
    costSharingExplained: costSharing?.code === 'cost-sharing-explained',
    episodeStartedOn: episodeStartedOn(r, path),
    revokedAt,
    paths: {
      program: program.path,
      method: method.path,
      obtainedAt: `${path}.dateTime`,
      episodeStartedOn: `${path}.extension`,
      revokedAt: `${path}.provision.period.end`,
      billingPractitionerId: billingPractitioner.expression,
      consentId: `${path}.identifier`,
    },
  };
}

const NOTE = /^(Problem|Goal|Intervention): (.+)$/s;

function parseCarePlan(r: Json, base: Base, fullUrl: string | null, fullUrls: FullUrls): ParsedCarePlan {
  const path = base.path;
  if (r.status !== 'active')
    throw new ElementError(`${path}.status`, 'must be active (the current version of the plan)');
  if (r.intent !== 'plan') throw new ElementError(`${path}.intent`, 'must be plan');
  const program = requiredCode(r, 'category', S.program, path);
  const kind = codeIn(r, 'category', S.carePlanKind, path);
  const attestations = array(r, 'category', path).flatMap((c) =>
    isObject(c)
      ? array(c, 'coding', path)
          .filter(isObject)
          .filter((k) => k.system === S.carePlanAttestation)
          .map((k) => k.code)
      : [],
  );
  const meta = isObject(r.meta) ? r.meta : null;
  const revisedOn =
    meta?.lastUpdated !== undefined ? instant(meta, 'lastUpdated', `${path}.meta`).slice(0, 10) : null;
  const out = { problems: [] as string[], goals: [] as string[], interventions: [] as string[] };
  array(r, 'note', path).forEach((n, k) => {
    const text = isObject(n) ? string(n, 'text', `${path}.note[${k}]`) : '';
    const m = NOTE.exec(text);
    if (!m)
      throw new ElementError(
        `${path}.note[${k}].text`,
        'must start with "Problem: ", "Goal: " or "Intervention: "',
      );
    const list = m[1] === 'Problem' ? out.problems : m[1] === 'Goal' ? out.goals : out.interventions;
    list.push(m[2]!.trim());
  });
  const period = object(r, 'period', path);
  return {
    ...base,
    type: 'CarePlan',
    key: identifierKey(r, 'CarePlan', path, fullUrl),
    subject: reference(r, 'subject', 'Patient', path, fullUrls),
    author: reference(r, 'author', 'Practitioner', path, fullUrls),
    program: program.code as ParsedCarePlan['program'],
    kind: kind?.code ?? 'comprehensive',
    // `created` (a CareLedger export's establishment date on every version), else the period's start.
    establishedOn:
      r.created !== undefined ? date(r, 'created', path) : date(period, 'start', `${path}.period`),
    ...out,
    sharedWithPatient: attestations.includes('shared-with-patient'),
    substantialRevision: attestations.includes('substantial-revision'),
    revisedOn,
    paths: {
      program: program.path,
      kind: kind?.path ?? `${path}.category`,
      establishedOn: r.created !== undefined ? `${path}.created` : `${path}.period.start`,
      authorId: `${path}.author.reference`,
      problems: `${path}.note`,
      goals: `${path}.note`,
      interventions: `${path}.note`,
      carePlanId: `${path}.identifier`,
      revisedOn: `${path}.meta.lastUpdated`,
      changes: `${path}.note`,
    },
  };
}
