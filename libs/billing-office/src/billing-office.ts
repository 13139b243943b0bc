import type { Pool } from 'pg';
import {
  activeDiagnoses,
  closedPatientMonths,
  decideClose,
  decideReopen,
  monthCalendar,
  monthCloseStates,
  restateMonth,
  type Actor,
  feeOf,
  feeTotals,
  type ClosedLineData,
  type ContractEvent,
  type FeeSchedule,
  type MonthClosed,
  type MonthReopened,
  type RecordedEvent,
  type ReferenceData,
} from '@careledger/domain';
import { EventStore, type AppendOptions, type AppendResult } from '@careledger/event-store';
import {
  baselines,
  prepareCloseMessages,
  prepareRestatementMessages,
  recordRestatements,
  type BuildOptions,
  type ChargeReference,
} from '@careledger/charge-feed';
import { DETERMINE_MONTH, evaluateReplay, ReplayEventLog, replayDigest } from '@careledger/replay';

/**
 * The billing office's acts (issue 16, ADR 0610-0613): close a month, reopen it, and turn a closed
 * month into charge messages (the close's own, then restatements of what changed since). The lines
 * come from the same replay `careledger audit replay --source store` runs, through the same pure
 * `determineMonth`; the close records that replay's digest.
 */

const BILLING_TYPES = new Set(['MonthClosed', 'MonthReopened']);

/** The tenant-month as the replay sees it at a knowledge time. */
interface Evaluation {
  determinations: ReturnType<typeof evaluateReplay>['determinations'];
  digest: string;
  rulesVersion: string;
  asOf: string;
  patientEvents: Map<string, RecordedEvent[]>;
  tenantEvents: RecordedEvent[];
}

export interface BillingOfficeDeps {
  pool: Pool;
  /** The ICD-10-CM data, or how to load it on the first close (care-api boots without reading it). */
  referenceData: ReferenceData | (() => ReferenceData);
  outboxTopics: readonly string[];
  now?: () => Date;
  /** The fee data charge lines are priced from (`loadFeeSchedule`); null: none, every line says so. */
  fees: FeeSchedule | null;
  /** The event store to read and append through (care-api passes its instrumented one). */
  store?: EventStore;
}

/** A close decided but not appended yet: the events, what they close, the tenant stream version read. */
export interface PlannedClose {
  events: MonthClosed[];
  outcomes: Omit<CloseOutcome, 'globalPosition'>[];
  expectedVersion: number;
}

/** A reopen decided but not appended yet. */
export interface PlannedReopen {
  event: MonthReopened;
  closeId: string;
  expectedVersion: number;
}

/** Fee totals of a set of lines (ADR 0617): the priced amount and the codes without a fee, with why. */
export interface FeeSummary {
  amountCents: number;
  unpriced: { code: string; reason: string }[];
  /** The data the amounts come from and their basis (`CY2025 national non-facility`), or `none`. */
  basis: string;
}

export interface CloseOutcome {
  closeId: string;
  /** The closed lines priced from the fee data (what the charge feed will send in FT1-11). */
  fees: FeeSummary;
  organizationId: string;
  patientMonths: number;
  lines: number;
  units: Record<string, number>;
  replayDigest: string;
  asOf: string;
  globalPosition: number;
}

export class BillingOffice {
  private readonly store: EventStore;
  private readonly now: () => Date;

  constructor(private readonly deps: BillingOfficeDeps) {
    this.store = deps.store ?? new EventStore(deps.pool, { outboxTopics: deps.outboxTopics });
    this.now = deps.now ?? (() => new Date());
  }

  /** Replay the tenant-month from the event store as of `asOf` (the close's own knowledge time). */
  async evaluate(tenantId: string, month: string, asOf: string): Promise<Evaluation> {
    const events = await this.store.readTenant(tenantId);
    const log = new ReplayEventLog(tenantId);
    for (const e of events) if (!BILLING_TYPES.has(e.type)) log.add(e);
    const options = {
      tenantId,
      month,
      asOf,
      source: 'store' as const,
      rules: null,
      patientId: null,
      format: 'json' as const,
    };
    const evaluation = evaluateReplay(log, options, {
      determineMonth: DETERMINE_MONTH,
      referenceData:
        typeof this.deps.referenceData === 'function' ? this.deps.referenceData() : this.deps.referenceData,
      policy: 'higher_value',
    });
    const visible = log.visible(asOf);
    return {
      determinations: evaluation.determinations,
      digest: replayDigest({
        determinations: evaluation.determinations,
        rulesVersion: evaluation.rulesVersion,
        asOf,
      }),
      rulesVersion: evaluation.rulesVersion,
      asOf,
      patientEvents: visible.patients,
      tenantEvents: events.filter((e) => e.patientId === undefined),
    };
  }

  /** Organizations of the tenant with their zones, and which organization each practitioner is in. */
  private static organizationsOf(tenantEvents: readonly ContractEvent[]) {
    const organizations = new Map<string, { timezone: string; npi: string | null; tin: string | null }>();
    const practitioners = new Map<string, { organizationId: string; npi: string | null }>();
    for (const e of tenantEvents) {
      if (e.type === 'OrganizationRegistered')
        organizations.set(e.data.organizationId, {
          timezone: e.data.timezone,
          npi: e.data.npi ?? null,
          tin: e.data.tin ?? null,
        });
      else if (e.type === 'PractitionerRegistered')
        practitioners.set(e.data.practitionerId, {
          organizationId: e.data.organizationId,
          npi: e.data.npi ?? null,
        });
    }
    return { organizations, practitioners };
  }

  /** Close one organization's month, or every organization's (those with lines or not). */
  async close(
    tenantId: string,
    month: string,
    organizationId: string | undefined,
    actor: Actor,
    append: Partial<AppendOptions> = {},
  ): Promise<CloseOutcome[]> {
    const { outcomes } = await this.closeAndAppend(tenantId, month, organizationId, actor, append);
    return outcomes;
  }

  /** `close`, returning the store's append result too (care-api answers with its receipt). */
  async closeAndAppend(
    tenantId: string,
    month: string,
    organizationId: string | undefined,
    actor: Actor,
    append: Partial<AppendOptions> = {},
  ): Promise<{ outcomes: CloseOutcome[]; result: AppendResult }> {
    const plan = await this.planClose(tenantId, month, organizationId, actor);
    const result = await this.store.append(tenantId, plan.expectedVersion, plan.events, {
      correlationId: `billing-close:${tenantId}:${month}`,
      ...append,
    });
    return {
      outcomes: plan.outcomes.map((o) => ({ ...o, globalPosition: result.globalPosition })),
      result,
    };
  }

  /**
   * Decide a close with the pure `decideClose` over the tenant stream and the replay as of now:
   * the `MonthClosed` events to append (one per organization) and the version they expect.
   */
  async planClose(
    tenantId: string,
    month: string,
    organizationId: string | undefined,
    actor: Actor,
  ): Promise<PlannedClose> {
    const now = this.now();
    const asOf = now.toISOString();
    const ev = await this.evaluate(tenantId, month, asOf);
    const { organizations, practitioners } = BillingOffice.organizationsOf(ev.tenantEvents);
    const targets = organizationId ? [organizationId] : [...organizations.keys()].sort();
    const states = monthCloseStates(ev.tenantEvents);
    const practitionerOrganization = new Map([...practitioners].map(([id, p]) => [id, p.organizationId]));
    const asOfMs = Date.parse(asOf);
    const planned: { event: MonthClosed; outcome: Omit<CloseOutcome, 'globalPosition'> }[] = [];
    for (const org of targets) {
      const zone = organizations.get(org)?.timezone;
      const { closeId } = decideClose(states, {
        organizationId: org,
        month,
        nowMs: now.getTime(),
        organizations,
        monthEndMs: zone ? monthCalendar(zone, month).endMs - 1 : 0,
      });
      const patients = closedPatientMonths(ev.determinations, org, practitionerOrganization, (p) =>
        activeDiagnoses(ev.patientEvents.get(p) ?? [], month, asOfMs),
      );
      const units: Record<string, number> = {};
      for (const p of patients) for (const l of p.lines) units[l.code] = (units[l.code] ?? 0) + l.units;
      const event: MonthClosed = {
        type: 'MonthClosed',
        schemaVersion: 1,
        tenantId,
        occurredAt: asOf,
        recordedAt: asOf,
        actor,
        data: {
          closeId,
          organizationId: org,
          month,
          asOf,
          rulesVersion: ev.rulesVersion,
          replayDigest: ev.digest,
          patients,
        },
      };
      planned.push({
        event,
        outcome: {
          closeId,
          organizationId: org,
          patientMonths: patients.length,
          lines: patients.reduce((n, p) => n + p.lines.length, 0),
          units,
          fees: this.price(patients.flatMap((p) => p.lines.map((l) => ({ line: l, sign: 1 as const })))),
          replayDigest: ev.digest,
          asOf,
        },
      });
    }
    return {
      events: planned.map((p) => p.event),
      outcomes: planned.map((p) => p.outcome),
      expectedVersion: ev.tenantEvents.length,
    };
  }

  /** Reopen a closed month (privileged: the caller passes an admin actor; the event is the log). */
  async reopen(
    tenantId: string,
    month: string,
    organizationId: string,
    reason: string,
    actor: Actor,
    append: Partial<AppendOptions> = {},
  ): Promise<string> {
    const plan = await this.planReopen(tenantId, month, organizationId, reason, actor);
    await this.store.append(tenantId, plan.expectedVersion, [plan.event], {
      correlationId: `billing-reopen:${tenantId}:${month}`,
      ...append,
    });
    return plan.closeId;
  }

  /** Decide a reopen with the pure `decideReopen`: the `MonthReopened` event and the version it expects. */
  async planReopen(
    tenantId: string,
    month: string,
    organizationId: string,
    reason: string,
    actor: Actor,
  ): Promise<PlannedReopen> {
    const tenantEvents = await this.store.readStream(tenantId);
    const closed = decideReopen(monthCloseStates(tenantEvents), organizationId, month, reason);
    const at = this.now().toISOString();
    const event: MonthReopened = {
      type: 'MonthReopened',
      schemaVersion: 1,
      tenantId,
      occurredAt: at,
      recordedAt: at,
      actor,
      data: { closeId: closed.data.closeId, organizationId, month, reason },
    };
    return { event, closeId: closed.data.closeId, expectedVersion: tenantEvents.length };
  }

  /** The closes in force for a month (one per closed organization). */
  async currentCloses(tenantId: string, month: string, organizationId?: string): Promise<MonthClosed[]> {
    const tenantEvents = await this.store.readStream(tenantId);
    return [...monthCloseStates(tenantEvents).values()]
      .filter(
        (s) => s.month === month && s.current && (!organizationId || s.organizationId === organizationId),
      )
      .map((s) => s.current!)
      .sort((a, b) => (a.data.organizationId < b.data.organizationId ? -1 : 1));
  }

  /**
   * Build every charge message a closed month needs now: the close's own (once), then a restatement
   * for each patient-month whose current determination differs from what was sent, and its messages.
   */
  async prepareCharges(
    tenantId: string,
    month: string,
    organizationId: string | undefined,
    build: Omit<BuildOptions, 'now' | 'fees'>,
  ): Promise<{ closes: string[]; messages: number; restatements: number; fees: FeeSummary }> {
    const closes = await this.currentCloses(tenantId, month, organizationId);
    if (closes.length === 0) throw new BillingNotClosedError(month, organizationId);
    const now = this.now().toISOString();
    const ev = await this.evaluate(tenantId, month, now);
    const ref = await this.referenceOf(ev);
    const { practitioners } = BillingOffice.organizationsOf(ev.tenantEvents);
    const practitionerOrganization = new Map([...practitioners].map(([id, p]) => [id, p.organizationId]));
    let messages = 0;
    let restatements = 0;
    const priced: { line: ClosedLineData; sign: 1 | -1 }[] = [];
    for (const close of closes) {
      const fresh = await prepareCloseMessages(this.deps.pool, tenantId, close.data, ref, {
        ...build,
        now,
        fees: this.deps.fees,
      });
      messages += fresh;
      if (fresh > 0)
        for (const p of close.data.patients) for (const line of p.lines) priced.push({ line, sign: 1 });
      const current = closedPatientMonths(
        ev.determinations,
        close.data.organizationId,
        practitionerOrganization,
        (p) => activeDiagnoses(ev.patientEvents.get(p) ?? [], month, Date.parse(now)),
      );
      const diffs = restateMonth(await baselines(this.deps.pool, tenantId, close.data), current);
      for (const r of await recordRestatements(this.deps.pool, tenantId, close.data, diffs, now)) {
        restatements++;
        for (const line of r.diff.reverse) priced.push({ line, sign: -1 });
        for (const line of r.diff.add) priced.push({ line, sign: 1 });
        messages += await prepareRestatementMessages(
          this.deps.pool,
          tenantId,
          close.data,
          { ...r, diagnoses: r.diff.after.diagnoses },
          ref,
          { ...build, now, fees: this.deps.fees },
        );
      }
    }
    return { closes: closes.map((c) => c.data.closeId), messages, restatements, fees: this.price(priced) };
  }

  /** Price lines with the pure `feeOf` (a reversal negative); the basis names each year used. */
  private price(lines: readonly { line: ClosedLineData; sign: 1 | -1 }[]): FeeSummary {
    const fees = lines.map(({ line, sign }) =>
      feeOf(this.deps.fees, line.code, sign * line.units, line.serviceDate),
    );
    if (fees.length === 0) return { amountCents: 0, unpriced: [], basis: 'no new lines' };
    const totals = feeTotals(fees);
    const years = [...new Set(fees.filter((f) => f.basis).map((f) => `CY${f.year}`))].sort();
    return {
      amountCents: totals.pricedCents,
      unpriced: totals.unpriced,
      basis: this.deps.fees
        ? `${years.join('+') || 'no year priced'} ${this.deps.fees.source}`
        : 'none (no fee table in the data folder)',
    };
  }

  private async referenceOf(ev: Evaluation): Promise<ChargeReference> {
    const { organizations, practitioners } = BillingOffice.organizationsOf(ev.tenantEvents);
    const ehrPatientIds = new Map<string, string>();
    for (const [patientId, events] of ev.patientEvents)
      for (const e of events)
        if (e.type === 'PatientRegistered' && e.data.ehrPatientId)
          ehrPatientIds.set(patientId, e.data.ehrPatientId);
    return Promise.resolve({ organizations, practitioners, ehrPatientIds });
  }
}

/** `charges export/send` of a month nobody closed. */
export class BillingNotClosedError extends Error {
  readonly code = 'BILLING.NOT_CLOSED';
  constructor(month: string, organizationId?: string) {
    super(
      `${month}${organizationId ? ` of ${organizationId}` : ''} is not closed; run careledger billing close first`,
    );
  }
}
