import canonicalize from 'canonicalize';
import {
  DomainError,
  EventValidationError,
  decide,
  decideTenant,
  eventFromCommand,
  evolve,
  evolveTenant,
  foldPatientState,
  foldTenantState,
  lookup,
  type Actor,
  type ContractEvent,
  type PatientCommand,
  type PatientState,
  type TenantCommand,
  type TenantState,
} from '@careledger/domain';
import type { StreamAppend } from '@careledger/event-store';
import { ProblemError, type FieldProblem } from '@careledger/http';
import type { ActorPolicy } from '../shared/actor-policy';
import { COMPLETE_ENCOUNTER_POLICY } from '../commands/complete-encounter/complete-encounter.handler';
import { DIAGNOSE_CONDITION_POLICY } from '../commands/diagnose-condition/diagnose-condition.handler';
import { ESTABLISH_CARE_PLAN_POLICY } from '../commands/establish-care-plan/establish-care-plan.handler';
import { LOG_CARE_TIME_POLICY } from '../commands/log-care-time/log-care-time.handler';
import { PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY } from '../commands/provide-pharmacologic-management/provide-pharmacologic-management.handler';
import { PROVIDE_PSYCHOTHERAPY_POLICY } from '../commands/provide-psychotherapy/provide-psychotherapy.handler';
import { GRANT_CONSENT_POLICY } from '../commands/grant-consent/grant-consent.handler';
import { REGISTER_ORGANIZATION_POLICY } from '../commands/register-organization/register-organization.handler';
import { REGISTER_PATIENT_POLICY } from '../commands/register-patient/register-patient.handler';
import { REGISTER_PRACTITIONER_POLICY } from '../commands/register-practitioner/register-practitioner.handler';
import { RESOLVE_CONDITION_POLICY } from '../commands/resolve-condition/resolve-condition.handler';
import { REVOKE_CONSENT_POLICY } from '../commands/revoke-consent/revoke-consent.handler';
import { REVISE_CARE_PLAN_POLICY } from '../commands/revise-care-plan/revise-care-plan.handler';
import type {
  ExternalKey,
  ParsedCarePlan,
  ParsedConsent,
  ParsedEntry,
  ParsedPractitionerRole,
  ParsedRef,
} from './fhir-bundle.model';

/** `Type|system|value`: how the planner and the mapping table name an external key. */
export const keyOf = (k: Pick<ExternalKey, 'resourceType' | 'system' | 'value'>): string =>
  `${k.resourceType}|${k.system}|${k.value}`;

/** What the planner needs from outside: the tenant, the clock, the actor per policy, ids and histories. */
export interface PlanContext {
  tenantId: string;
  now: string;
  /** The caller as the actor of a command with this policy (throws 403 / 400 like every command). */
  actorFor(policy: ActorPolicy): Actor;
  /** CareLedger id of each external key (mapped earlier, or allocated for this import). */
  ids: ReadonlyMap<string, string>;
  /** The last `meta.versionId` imported per external key: an older numeric version is not applied. */
  versions?: ReadonlyMap<string, string>;
  /** Stored events of every stream the Bundle touches (the tenant stream and each patient's). */
  histories: ReadonlyMap<string, readonly ContractEvent[]>;
}

/** The transaction-response entry of one Bundle entry. */
export interface EntryResult {
  index: number;
  resourceType: ParsedEntry['type'];
  id: string;
  /** False when every event the entry stands for is already recorded (a re-sent version). */
  created: boolean;
}

/** The events to append, per stream, and what each entry became. */
export interface ImportPlan {
  appends: StreamAppend[];
  results: EntryResult[];
}

/** Order in which entry types are decided: reference data first, then the patient, then the rest. */
const ORDER: Record<ParsedEntry['type'], number> = {
  Organization: 0,
  Practitioner: 1,
  PractitionerRole: 2,
  Patient: 3,
  Condition: 4,
  Encounter: 5,
  Consent: 6,
  CarePlan: 7,
};

/** Per command: its policy, the event it asks for, and the data field naming the entity. */
const COMMANDS = {
  RegisterOrganization: {
    policy: REGISTER_ORGANIZATION_POLICY,
    event: 'OrganizationRegistered',
    id: 'organizationId',
  },
  RegisterPractitioner: {
    policy: REGISTER_PRACTITIONER_POLICY,
    event: 'PractitionerRegistered',
    id: 'practitionerId',
  },
  RegisterPatient: { policy: REGISTER_PATIENT_POLICY, event: 'PatientRegistered', id: null },
  DiagnoseCondition: { policy: DIAGNOSE_CONDITION_POLICY, event: 'ConditionDiagnosed', id: 'conditionId' },
  ResolveCondition: { policy: RESOLVE_CONDITION_POLICY, event: 'ConditionResolved', id: 'conditionId' },
  CompleteEncounter: { policy: COMPLETE_ENCOUNTER_POLICY, event: 'EncounterCompleted', id: 'encounterId' },
  LogCareTime: { policy: LOG_CARE_TIME_POLICY, event: 'CareTimeLogged', id: 'entryId' },
  ProvidePsychotherapy: {
    policy: PROVIDE_PSYCHOTHERAPY_POLICY,
    event: 'PsychotherapyProvided',
    id: 'encounterId',
  },
  ProvidePharmacologicManagement: {
    policy: PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY,
    event: 'PharmacologicManagementProvided',
    id: 'encounterId',
  },
  GrantConsent: { policy: GRANT_CONSENT_POLICY, event: 'ConsentGranted', id: 'consentId' },
  RevokeConsent: { policy: REVOKE_CONSENT_POLICY, event: 'ConsentRevoked', id: 'consentId' },
  EstablishCarePlan: { policy: ESTABLISH_CARE_PLAN_POLICY, event: 'CarePlanEstablished', id: 'carePlanId' },
  // Revisions are compared with the plan's current version by carePlanRevision, not event by event.
  ReviseCarePlan: {
    policy: REVISE_CARE_PLAN_POLICY,
    event: 'CarePlanRevised',
    id: 'carePlanId',
    compared: false,
  },
} as const satisfies Record<
  string,
  { policy: ActorPolicy; event: ContractEvent['type']; id: string | null; compared?: false }
>;

const CARE_PLAN_LISTS = ['problems', 'goals', 'interventions'] as const;

type Command = (PatientCommand | TenantCommand) & { type: keyof typeof COMMANDS };

/** Credentials of qualified health professionals who may bill E/M visits (physicians always may). */
const EM_QHP_CREDENTIALS = new Set(['NP', 'PA', 'CNS', 'CNM']);

/**
 * Turns parsed entries into care-api commands and decides them with the same deciders, policies and
 * invariants as the command endpoints (ADR 1113). A command whose event is already recorded with the
 * same data is skipped (idempotent re-import); one recorded with other data is a 409 naming the entry.
 * Pure: histories, ids, the clock and the actor come from `ctx`.
 */
export function planImport(entries: readonly ParsedEntry[], ctx: PlanContext): ImportPlan {
  const planner = new Planner(entries, ctx);
  const sorted = [...entries].sort((a, b) => ORDER[a.type] - ORDER[b.type] || a.index - b.index);
  const results = new Map<number, EntryResult>();
  for (const entry of sorted) results.set(entry.index, planner.entry(entry));
  // A Practitioner's event is its PractitionerRole's: report it created when the role was.
  for (const e of entries) {
    if (e.type !== 'PractitionerRole' || e.practitioner.kind !== 'entry') continue;
    const p = results.get(e.practitioner.index);
    if (p) results.set(p.index, { ...p, created: results.get(e.index)!.created });
  }
  return { appends: planner.appends(), results: entries.map((e) => results.get(e.index)!) };
}

class Planner {
  private tenant: { state: TenantState; events: ContractEvent[]; stored: readonly ContractEvent[] };
  private readonly patients = new Map<
    string,
    { state: PatientState; events: ContractEvent[]; stored: readonly ContractEvent[] }
  >();
  private readonly practitionerRoles = new Set<number>();

  constructor(
    private readonly entries: readonly ParsedEntry[],
    private readonly ctx: PlanContext,
  ) {
    const stored = ctx.histories.get(ctx.tenantId) ?? [];
    this.tenant = { state: foldTenantState(stored), events: [], stored };
  }

  entry(e: ParsedEntry): EntryResult {
    if (e.type !== 'PractitionerRole' && this.olderThanImported(e.key)) {
      return this.result(
        e,
        e.type === 'Patient' && e.careledgerId ? e.careledgerId : this.idOf(e.key),
        false,
      );
    }
    const result = (id: string, created: boolean): EntryResult => ({
      index: e.index,
      resourceType: e.type,
      id,
      created,
    });
    switch (e.type) {
      case 'Organization': {
        const id = this.idOf(e.key);
        return result(
          id,
          this.run(
            e,
            {
              type: 'RegisterOrganization',
              organizationId: id,
              name: e.name,
              timezone: e.timezone,
              kind: e.kind,
            } as Command,
            null,
          ),
        );
      }
      case 'Practitioner': {
        const roles = this.entries.filter(
          (r) =>
            r.type === 'PractitionerRole' &&
            r.practitioner.kind === 'entry' &&
            r.practitioner.index === e.index,
        );
        if (roles.length > 1)
          this.fail(
            409,
            'FHIR.CONFLICT',
            `${roles[1]!.path}.practitioner.reference`,
            'a practitioner has one PractitionerRole in CareLedger',
          );
        if (roles.length === 0 && !lookup(this.tenant.state.practitioners, this.idOf(e.key))) {
          this.fail(
            400,
            'FHIR.INVALID',
            e.path,
            'needs a PractitionerRole entry (its organization and role) unless already imported',
          );
        }
        return result(this.idOf(e.key), false);
      }
      case 'PractitionerRole':
        return this.practitionerRole(e);
      case 'Patient': {
        const id = e.careledgerId ?? this.idOf(e.key);
        const command = {
          type: 'RegisterPatient',
          patientId: id,
          organizationId: this.ref(e.organization),
          ...(e.ehrPatientId ? { ehrPatientId: e.ehrPatientId } : {}),
        } as Command;
        return result(id, this.run(e, command, id));
      }
      case 'Condition': {
        const id = this.idOf(e.key);
        const patientId = this.ref(e.subject);
        let created = this.run(
          e,
          {
            type: 'DiagnoseCondition',
            patientId,
            conditionId: id,
            icd10: e.icd10,
            diagnosedOn: e.diagnosedOn,
          },
          patientId,
        );
        if (e.resolvedOn !== null) {
          created =
            this.run(
              e,
              { type: 'ResolveCondition', patientId, conditionId: id, resolvedOn: e.resolvedOn },
              patientId,
            ) || created;
        }
        return result(id, created);
      }
      case 'Encounter': {
        const id = this.idOf(e.key);
        const patientId = this.ref(e.subject);
        if (e.careTime) {
          // Logged care time (ADR 1119): the care-time command's decider, as POST .../care-time.
          const t = e.careTime;
          const logged = {
            type: 'LogCareTime',
            patientId,
            entryId: id,
            program: t.program,
            performerId: this.ref(e.practitioner),
            performerRole: t.performerRole,
            billingPractitionerId: this.ref(t.billingPractitioner),
            startedAt: t.startedAt,
            minutes: t.minutes,
            activity: t.activity,
            ...(t.careSetting !== undefined ? { careSetting: t.careSetting } : {}),
            ...(t.separatelyBilledAs !== undefined ? { separatelyBilledAs: t.separatelyBilledAs } : {}),
          } as Command;
          return result(id, this.run(e, logged, patientId));
        }
        const command = {
          type: 'CompleteEncounter',
          patientId,
          encounterId: id,
          kind: e.kind,
          practitionerId: this.ref(e.practitioner),
          on: e.on,
          ...(e.programsDiscussed.length > 0 ? { programsDiscussed: e.programsDiscussed } : {}),
        } as Command;
        let created = this.run(e, command, patientId);
        // Services at the visit (add-ons), each through its own command's decider and policy.
        for (const s of e.services) {
          const service = {
            ...(s.kind === 'psychotherapy'
              ? { type: 'ProvidePsychotherapy', minutes: s.minutes, withEM: s.withEM }
              : { type: 'ProvidePharmacologicManagement' }),
            patientId,
            encounterId: id,
            practitionerId: this.ref(s.practitioner),
            on: e.on,
          } as Command;
          created = this.run(e, service, patientId) || created;
        }
        return result(id, created);
      }
      case 'Consent':
        return this.consent(e);
      case 'CarePlan':
        return this.carePlan(e);
    }
  }

  /**
   * A CarePlan already established with the same program, kind and start: the next version when its
   * problems, goals or interventions differ from the current version (`ReviseCarePlan`, revision date
   * `meta.lastUpdated`), null when they do not (nothing to append). undefined: not established yet, or
   * established differently (then `run` decides it, and a difference is a conflict).
   */
  private carePlanRevision(
    e: ParsedCarePlan,
    id: string,
    patientId: string,
    establish: Command,
  ): Command | null | undefined {
    const s = this.patientStream(patientId);
    const events = [...s.stored, ...s.events];
    const established = events.find((x) => x.type === 'CarePlanEstablished' && x.data.carePlanId === id);
    if (established?.type !== 'CarePlanEstablished') return undefined;
    const d = established.data;
    const asked = establish as unknown as typeof d;
    if (d.program !== asked.program || d.kind !== asked.kind || d.establishedOn !== asked.establishedOn)
      return undefined;
    const current = { problems: d.problems, goals: d.goals, interventions: d.interventions };
    for (const x of events) {
      if (x.type !== 'CarePlanRevised' || x.data.carePlanId !== id) continue;
      for (const k of CARE_PLAN_LISTS) current[k] = x.data.changes[k] ?? current[k];
    }
    const changes = Object.fromEntries(
      CARE_PLAN_LISTS.filter((k) => canonicalize(current[k]) !== canonicalize(e[k])).map((k) => [k, e[k]]),
    );
    if (Object.keys(changes).length === 0) return null;
    if (e.revisedOn === null) {
      this.fail(
        400,
        'FHIR.INVALID',
        `${e.path}.meta.lastUpdated`,
        'is required for a new version of an imported CarePlan (its revision date)',
      );
    }
    return {
      type: 'ReviseCarePlan',
      patientId,
      carePlanId: id,
      revisedOn: e.revisedOn,
      authorId: asked.authorId,
      changes,
      substantial: e.substantialRevision,
    };
  }

  private carePlan(e: ParsedCarePlan): EntryResult {
    const id = this.idOf(e.key);
    const patientId = this.ref(e.subject);
    const command = {
      type: 'EstablishCarePlan',
      patientId,
      carePlanId: id,
      program: e.program,
      kind: e.kind,
      establishedOn: e.establishedOn,
      authorId: this.ref(e.author),
      problems: e.problems,
      goals: e.goals,
      interventions: e.interventions,
      sharedWithPatient: e.sharedWithPatient,
    } as Command;
    const revision = this.carePlanRevision(e, id, patientId, command);
    if (revision !== undefined)
      return this.result(e, id, revision !== null && this.run(e, revision, patientId));
    return this.result(e, id, this.run(e, command, patientId));
  }

  private consent(e: ParsedConsent): EntryResult {
    const id = this.idOf(e.key);
    const patientId = this.ref(e.subject);
    const grant = {
      type: 'GrantConsent',
      patientId,
      consentId: id,
      program: e.program,
      billingPractitionerId: this.ref(e.billingPractitioner),
      method: e.method,
      obtainedAt: e.obtainedAt,
      costSharingExplained: e.costSharingExplained,
      ...(e.episodeStartedOn !== null ? { episodeStartedOn: e.episodeStartedOn } : {}),
    } as Command;
    let created = this.run(e, grant, patientId);
    if (e.revokedAt !== null) {
      created =
        this.run(e, { type: 'RevokeConsent', patientId, consentId: id, revokedAt: e.revokedAt }, patientId) ||
        created;
    }
    return this.result(e, id, created);
  }

  private practitionerRole(e: ParsedPractitionerRole): EntryResult {
    const practitioner = this.entries[e.practitioner.kind === 'entry' ? e.practitioner.index : -1];
    if (!practitioner || practitioner.type !== 'Practitioner') {
      this.fail(
        400,
        'FHIR.INVALID',
        e.practitioner.expression,
        'must reference a Practitioner entry of this Bundle (its NPI and credential)',
      );
    }
    const id = this.idOf(practitioner.key);
    const canBillEM =
      e.role === 'physician' || (e.role === 'qhp' && EM_QHP_CREDENTIALS.has(practitioner.credential));
    const command = {
      type: 'RegisterPractitioner',
      practitionerId: id,
      organizationId: this.ref(e.organization),
      credential: practitioner.credential,
      role: e.role,
      canBillEM,
    } as Command;
    this.practitionerRoles.add(e.index);
    const created = this.run(
      { ...e, paths: { ...e.paths, credential: practitioner.paths.credential! } },
      command,
      null,
    );
    return this.result(e, id, created);
  }

  /** A numeric `meta.versionId` below the one already imported: a stale re-send, recorded already. */
  private olderThanImported(key: ExternalKey): boolean {
    const stored = this.ctx.versions?.get(keyOf(key));
    const numeric = /^[0-9]{1,15}$/;
    return (
      stored !== undefined &&
      key.versionId !== null &&
      numeric.test(stored) &&
      numeric.test(key.versionId) &&
      Number(key.versionId) < Number(stored)
    );
  }

  private result(e: ParsedEntry, id: string, created: boolean): EntryResult {
    return { index: e.index, resourceType: e.type, id, created };
  }

  /** Every stream with something to append, in one transaction. */
  appends(): StreamAppend[] {
    const out: StreamAppend[] = [];
    if (this.tenant.events.length > 0) {
      out.push({
        streamId: this.ctx.tenantId,
        expectedVersion: this.tenant.stored.length,
        events: this.tenant.events,
      });
    }
    for (const [patientId, s] of this.patients) {
      if (s.events.length > 0) {
        out.push({
          streamId: `${this.ctx.tenantId}:${patientId}`,
          expectedVersion: s.stored.length,
          events: s.events,
        });
      }
    }
    return out;
  }

  /** Decides one command on its stream; false when its event is already recorded with the same data. */
  private run(e: ParsedEntry, command: Command, patientId: string | null): boolean {
    const spec = COMMANDS[command.type];
    let actor: Actor;
    try {
      actor = this.ctx.actorFor(spec.policy);
    } catch (err) {
      if (err instanceof ProblemError)
        throw new ProblemError(err.status, err.code, err.detail, [
          { field: `Bundle.entry[${e.index}]`, message: err.detail },
        ]);
      throw err;
    }
    const decideCtx = { now: this.ctx.now, actor, tenantId: this.ctx.tenantId };
    const stream = patientId === null ? this.tenant : this.patientStream(patientId);
    try {
      const candidate = eventFromCommand(command, spec.event, decideCtx);
      const key = spec.id === null ? null : (candidate.data as Record<string, unknown>)[spec.id];
      const existing = ('compared' in spec ? [] : [...stream.stored, ...stream.events]).find(
        (x) =>
          x.type === spec.event && (key === null || (x.data as Record<string, unknown>)[spec.id!] === key),
      );
      if (existing) {
        if (canonicalize(existing.data) === canonicalize(candidate.data)) return false;
        this.fail(
          409,
          'FHIR.CONFLICT',
          e.path,
          `differs from the version already imported (${spec.event}); CareLedger records no such change`,
        );
      }
      if (patientId === null) {
        const events = decideTenant(this.tenant.state, command as TenantCommand, decideCtx);
        for (const ev of events) this.tenant.state = evolveTenant(this.tenant.state, ev);
        this.tenant.events.push(...events);
      } else {
        const s = this.patientStream(patientId);
        const events = decide(s.state, command as PatientCommand, decideCtx);
        for (const ev of events) s.state = evolve(s.state, ev);
        s.events.push(...events);
      }
      return true;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const paths: Record<string, string> = {
        ...('subject' in e ? { patientId: e.subject.expression } : {}),
        ...e.paths,
      };
      const issues: FieldProblem[] =
        err instanceof EventValidationError
          ? err.issues.map((i) => ({ field: paths[i.field] ?? e.path, message: i.message }))
          : [{ field: (err.field && paths[err.field]) || e.path, message: err.message }];
      throw new ProblemError(err.httpStatus, err.code, `Bundle.entry[${e.index}]: ${err.message}`, issues);
    }
  }

  private patientStream(patientId: string): {
    state: PatientState;
    events: ContractEvent[];
    stored: readonly ContractEvent[];
  } {
    let s = this.patients.get(patientId);
    if (!s) {
      const stored = this.ctx.histories.get(`${this.ctx.tenantId}:${patientId}`) ?? [];
      s = { state: foldPatientState(stored), events: [], stored };
      this.patients.set(patientId, s);
    }
    return s;
  }

  private idOf(key: ExternalKey): string {
    const id = this.ctx.ids.get(keyOf(key));
    if (id === undefined) throw new Error(`no id allocated for ${key.resourceType}`);
    return id;
  }

  /** The CareLedger id a reference names; a literal or conditional one must name something known. */
  private ref(r: ParsedRef): string {
    if (r.kind === 'entry') {
      const target = this.entries[r.index]!;
      if (target.type === 'PractitionerRole')
        this.fail(400, 'FHIR.INVALID', r.expression, 'must reference a Practitioner');
      return target.type === 'Patient' && target.careledgerId ? target.careledgerId : this.idOf(target.key);
    }
    const id =
      r.kind === 'id'
        ? r.id
        : this.ctx.ids.get(keyOf({ resourceType: r.type, system: r.system, value: r.value }));
    const known =
      id !== undefined &&
      (r.type === 'Organization'
        ? lookup(this.tenant.state.organizations, id) !== undefined
        : r.type === 'Practitioner'
          ? lookup(this.tenant.state.practitioners, id) !== undefined
          : true);
    if (!known)
      this.fail(422, 'FHIR.UNKNOWN_REFERENCE', r.expression, `names no ${r.type} known to this tenant`);
    return id;
  }

  private fail(status: number, code: string, expression: string, message: string): never {
    throw new ProblemError(status, code, `${expression} ${message}`, [{ field: expression, message }]);
  }
}
