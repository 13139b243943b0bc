import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Role } from '@careledger/auth';
import { recordRestatements } from '@careledger/charge-feed';
import type { MonthClosed } from '@careledger/domain';
import { ALL_ROLES, type PolicyRule, ruleFor } from './access-policy';
import { type Endpoint, FHIR_BASE_PATH, fillPath } from './openapi';
import { call, type HttpResult, type Platform } from './platform';
import { allIds, D1, D2, MONTH, type SeededPatient, type SeededTenant } from './two-tenants';
import { careTimeEvent, freshMonth, type RequestContext, validRequestFor } from './valid-requests';

/**
 * The access matrix of issue 20 (ADR 0805): every endpoint of every OpenAPI document x every role x
 * {own department, other department, other tenant on the owner's URL, other tenant on its own URL with
 * the owner's real ids}, each with a valid request and one exact expected outcome.
 */
export interface MatrixWorld {
  platform: Platform;
  a: SeededTenant;
  b: SeededTenant;
  marker: string;
  /** A replay job id and a list cursor per tenant (real, issued by the apps). */
  jobIds: Record<string, string>;
  cursors: Record<string, string>;
  /** Events (all tenants) appended so far: a refused request must leave it unchanged. */
  eventCount(): Promise<number>;
  /**
   * Per tenant, the id (`<partition>-<offset>`) of an open dead letter of its own (a seeded poison
   * message that stays poison), for the projector's `{id}` routes.
   */
  deadLetterIds?: Record<string, string>;
  /** Per tenant and FHIR type, a real resource of the tenant's D1 patient (id, versionId), read by setup. */
  fhirIds: Record<string, Record<string, { id: string; vid: string }>>;
}

/** An endpoint of the FHIR base (no tenant in the path: the token's tenant is the one read). */
export const isFhir = (e: Endpoint): boolean => e.path.startsWith(`${FHIR_BASE_PATH}/`);
const fhirTypeOf = (e: Endpoint): string => e.path.slice(FHIR_BASE_PATH.length + 1).split('/')[0]!;

/**
 * An id that exists nowhere but has the real one's shape: the tenant's own ids inside it (a ChargeItem
 * `<patient>.<month>.<line>`, a Provenance `<type>.<object>.<version>`) replaced by `absent`. So a
 * hidden object and an absent one can only differ by existence, not by how the id parses.
 */
export function absentLike(realId: string, t: SeededTenant, absent: string): string {
  const known = allIds(t)
    .filter((id) => realId.includes(id))
    .sort((x, y) => y.length - x.length);
  return known.length > 0 ? realId.split(known[0]!).join(absent) : absent;
}

/** Every id of one seeded patient (the patient and its objects). */
const idsOf = (p: SeededPatient): string[] => [
  p.patientId,
  ...p.entryIds,
  ...p.consentIds,
  ...p.conditionIds,
  ...p.carePlanIds,
];

export interface MatrixResult {
  requests: number;
  mismatches: string[];
  crossTenantLeaks: number;
  departmentLeaks: number;
  /** Lists on which tenant B tried tenant A's real cursor. */
  cursorsTried: number;
  /** Of those, answered 400 (the other tenant's cursor refused) rather than B's rows after it. */
  cursorsRejected: number;
  statuses: Record<string, number>;
}

const CLINICAL: Role[] = ['care_manager', 'practitioner'];
const clinicalOnly = (role: Role) => CLINICAL.includes(role);

function query(q: Record<string, string> | undefined): string {
  if (!q || Object.keys(q).length === 0) return '';
  return `?${new URLSearchParams(q).toString()}`;
}

/**
 * A problem body without what legitimately differs between two requests (ids named in the path). A
 * FHIR answer (an OperationOutcome, or a search Bundle that echoes the query in its self link) is
 * compared whole.
 */
function problemShape(r: HttpResult, ids: string[]): string {
  const b = (r.body ?? {}) as Record<string, unknown>;
  let text =
    typeof b.resourceType === 'string'
      ? JSON.stringify({ status: r.status, body: b })
      : JSON.stringify({
          status: r.status,
          code: b.code ?? null,
          detail: b.detail ?? null,
          errors: b.errors ?? null,
        });
  // Whole ids only: a short id (an access-log row "3") must not blank the "3" of a status 403.
  for (const id of [...ids].sort((x, y) => y.length - x.length))
    text = text.replace(
      new RegExp(`(?<![A-Za-z0-9])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'),
      '<id>',
    );
  return text;
}

/**
 * The departments a role's token carries in a leg. Clinical roles act for D1 or D2; the others read
 * tenant-wide (ADR 0804) and act for their own function, so that a claim or an admin write never
 * marks a patient-month with a clinical department.
 */
export function departmentsOf(role: Role, clinicalDepartment: string): string[] {
  if (clinicalOnly(role)) return [clinicalDepartment];
  return clinicalDepartment === D1
    ? role === 'admin'
      ? [D1]
      : []
    : [role === 'billing' ? 'billing' : role === 'admin' ? 'administration' : 'compliance'];
}

export class AccessMatrix {
  private n = 0;
  readonly result: MatrixResult = {
    requests: 0,
    mismatches: [],
    crossTenantLeaks: 0,
    departmentLeaks: 0,
    cursorsTried: 0,
    cursorsRejected: 0,
    statuses: {},
  };

  constructor(private readonly w: MatrixWorld) {}

  private fresh(): string {
    return `${++this.n}${randomUUID().slice(0, 4)}`;
  }

  private async send(
    e: Endpoint,
    tenantId: string,
    values: Record<string, string>,
    token: string | undefined,
    ctx: RequestContext,
    extraQuery?: Record<string, string>,
  ): Promise<HttpResult> {
    const req = validRequestFor(e)!(ctx);
    const url =
      fillPath(e.path, { ...values, tenantId }) + query({ ...(req.query ?? {}), ...(extraQuery ?? {}) });
    const r = await call(this.w.platform.url(e.app as 'care-api'), e.method, url, {
      token,
      body: req.body,
      headers: req.headers,
    });
    this.result.requests++;
    this.result.statuses[String(r.status)] = (this.result.statuses[String(r.status)] ?? 0) + 1;
    if (req.settle && r.status >= 200 && r.status < 300)
      await req.settle((p) => call(this.w.platform.url(e.app as 'care-api'), 'GET', p, { token }));
    return r;
  }

  private miss(what: string): void {
    this.result.mismatches.push(what);
  }

  /** Path values naming tenant `t`'s objects; for an allowed write, fresh objects created first. */
  private async pathValues(
    e: Endpoint,
    t: SeededTenant,
    createFresh: boolean,
  ): Promise<Record<string, string>> {
    const p = t.patients[0];
    if (isFhir(e)) {
      const real = this.w.fhirIds[t.tenantId]?.[fhirTypeOf(e)];
      if (!real && e.pathParams.includes('id'))
        throw new Error(`matrix setup: no ${fhirTypeOf(e)} of ${p.patientId} in ${t.tenantId} to read`);
      return real ? { id: real.id, vid: real.vid } : {};
    }
    const v: Record<string, string> = {
      patientId: p.patientId,
      month: MONTH,
      jobId: this.w.jobIds[t.tenantId]!,
      entryId: p.entryIds[p.entryIds.length - 1]!,
      consentId: p.consentIds[0]!,
      conditionId: p.conditionIds[0]!,
      carePlanId: p.carePlanIds[0]!,
      restatementId: `RS-none-${t.tenantId}`,
      ...(this.w.deadLetterIds?.[t.tenantId] ? { id: this.w.deadLetterIds[t.tenantId]! } : {}),
    };
    if (createFresh && e.method === 'POST') {
      if (e.path.endsWith('/month-reopenings')) v.closedMonth = await this.closeFresh(t);
      for (const name of e.pathParams) {
        if (name === 'entryId') v.entryId = await this.importFresh(t, 'entryId');
        if (name === 'consentId') v.consentId = await this.importFresh(t, 'consentId');
        if (name === 'conditionId') v.conditionId = await this.importFresh(t, 'conditionId');
        if (name === 'restatementId') v.restatementId = await this.restatementFresh(t);
      }
    }
    return v;
  }

  /** Closes (as billing) a month nobody closed in tenant `t`, so that a reopen can succeed. */
  private async closeFresh(t: SeededTenant): Promise<string> {
    this.fresh();
    const month = freshMonth(this.n);
    const billing = await this.w.platform.token(t.tenantId, ['billing'], []);
    const r = await call(this.w.platform.url('care-api'), 'POST', `/v1/tenants/${t.tenantId}/month-closes`, {
      token: billing,
      body: { month, organizationId: 'ORG-MAINST' },
    });
    if (r.status >= 300) throw new Error(`matrix setup: closing ${month} answered ${r.status}: ${r.text}`);
    return month;
  }

  /**
   * An open restatement of tenant `t`, recorded by the charge feed's own `recordRestatements` (the
   * access matrix checks who may resolve one, not what it restates: an empty diff of a synthetic close).
   */
  private async restatementFresh(t: SeededTenant): Promise<string> {
    const p = t.patients[0];
    const close = {
      closeId: `MX${this.fresh()}`,
      organizationId: 'ORG-MAINST',
      month: MONTH,
    } as MonthClosed['data'];
    const db = new Client({
      ...this.w.platform.config.db,
      password: this.w.platform.config.db.password || undefined,
    });
    await db.connect();
    try {
      const diff = {
        patientId: p.patientId,
        reverse: [],
        add: [],
        explanation: [],
        after: { patientId: p.patientId, diagnoses: [], lines: [] },
      };
      const [r] = await recordRestatements(db as never, t.tenantId, close, [diff], new Date().toISOString());
      return r!.restatementId;
    } finally {
      await db.end();
    }
  }

  /** Imports (as admin) a copy of the seeded patient's object under a new id, so a void/revoke/resolve can succeed. */
  private async importFresh(t: SeededTenant, idField: string): Promise<string> {
    const p = t.patients[0];
    const id = `FX${this.fresh()}`;
    const ctx = {
      fresh: id,
      patientId: p.patientId,
      departmentId: D1,
      marker: this.w.marker,
      tenantId: t.tenantId,
    };
    let event: Record<string, unknown>;
    if (idField === 'entryId') event = careTimeEvent(ctx, id);
    else {
      const type = idField === 'consentId' ? 'ConsentGranted' : 'ConditionDiagnosed';
      const seed = t.events.find((x) => x.type === type && x.patientId === p.patientId)!;
      event = { ...seed, data: { ...(seed.data as object), [idField]: id } };
    }
    const admin = await this.w.platform.token(t.tenantId, ['admin'], [D1]);
    const r = await call(this.w.platform.url('care-api'), 'POST', `/v1/tenants/${t.tenantId}/events:import`, {
      token: admin,
      body: [event],
    });
    if (r.status >= 300)
      throw new Error(`matrix setup: importing a fresh ${idField} answered ${r.status}: ${r.text}`);
    return id;
  }

  /** A real cursor of list `e` in tenant `t` (page size 1), or null when the list has one page. */
  private async cursorOf(e: Endpoint, t: SeededTenant): Promise<string | null> {
    const token = await this.w.platform.token(
      t.tenantId,
      ['billing', 'auditor', 'care_manager', 'practitioner'],
      [D1, D2],
    );
    const url = `${fillPath(e.path, { tenantId: t.tenantId })}?limit=1`;
    const r = await call(this.w.platform.url(e.app as 'query-api'), 'GET', url, { token });
    const cursor = (r.body as { nextCursor?: string | null } | undefined)?.nextCursor ?? null;
    if (cursor) this.result.cursorsTried++;
    return cursor;
  }

  /** Every rule-less or request-less endpoint, named. */
  unclassified(endpoints: Endpoint[]): string[] {
    return endpoints
      .filter((e) => !ruleFor(e) || !validRequestFor(e))
      .map((e) => `${e.app} ${e.method} ${e.path}${ruleFor(e) ? ' (no valid request)' : ' (no rule)'}`);
  }

  /** Checks a 2xx read body: nothing of the other tenant, nothing outside the caller's departments. */
  private checkReadBody(
    e: Endpoint,
    r: HttpResult,
    role: Role,
    caller: SeededTenant,
    other: SeededTenant,
    callerDepartment: string,
    label: string,
  ): void {
    const text = r.text;
    const foreign = allIds(other).filter((id) => text.includes(id));
    if (foreign.length > 0) {
      this.result.crossTenantLeaks++;
      this.miss(`${label}: body names the other tenant's ${foreign.slice(0, 3).join(', ')}`);
    }
    if (clinicalOnly(role)) {
      // Not the other department's patient, nor any of its objects (a Provenance names only those).
      const outside = caller.patients.find((p) => p.department !== callerDepartment)!;
      const seen = idsOf(outside).filter((id) => text.includes(id));
      if (seen.length > 0) {
        this.result.departmentLeaks++;
        this.miss(
          `${label}: a ${callerDepartment} ${role} received ${seen.slice(0, 3).join(', ')} of ${outside.department}`,
        );
      }
    }
    if (role === 'analyst') {
      const real = caller.patients.filter((p) => text.includes(p.patientId)).map((p) => p.patientId);
      if (real.length > 0 || text.includes(this.w.marker))
        this.miss(
          `${label}: analyst received ${real.length > 0 ? `real ids ${real.join(', ')}` : 'free text'}`,
        );
    }
    // A list endpoint in scope must return the caller's rows (an empty page would prove nothing).
    const isList = e.method === 'GET' && !e.path.includes('{patientId}') && !e.path.includes('{jobId}');
    const listModel = isList && !/access-log|replays/.test(e.path);
    if (
      listModel &&
      /billing-lines|monthly-minutes|eligibility|provider-of-record|care-plan-versions/.test(e.path)
    ) {
      const mine = caller.patients.filter((p) => !clinicalOnly(role) || p.department === callerDepartment);
      const seen = role === 'analyst' ? /psn_/.test(text) : mine.some((p) => text.includes(p.patientId));
      if (!seen) this.miss(`${label}: 200 without any of the caller's own rows`);
    }
    if (isFhir(e) && e.pathParams.length === 0) {
      // A FHIR search in scope: a Bundle with the caller's own resources (every type has some).
      const mine = caller.patients.filter((p) => !clinicalOnly(role) || p.department === callerDepartment);
      const entries = ((r.body as { entry?: unknown[] } | undefined)?.entry ?? []).length;
      if (entries === 0 || !mine.some((p) => idsOf(p).some((id) => text.includes(id))))
        this.miss(`${label}: 200 with ${entries} entries and none of the caller's own resources`);
    }
  }

  /** One endpoint, every role, every leg. */
  async run(e: Endpoint): Promise<void> {
    const rule = ruleFor(e)!;
    const { a, b } = this.w;
    const write = e.method !== 'GET';
    // No token and a forged token: 401 whoever would have been allowed.
    const admin = await this.w.platform.token(a.tenantId, ['admin'], [D1]);
    for (const token of [undefined, `${admin.slice(0, -4)}AAAA`]) {
      const before = await this.w.eventCount();
      const r = await this.send(e, a.tenantId, await this.pathValues(e, a, false), token, this.ctx(a, rule));
      if (r.status !== 401)
        this.miss(
          `${e.app} ${e.method} ${e.path} ${token ? 'forged' : 'no'} token -> ${r.status}, expected 401`,
        );
      if ((await this.w.eventCount()) !== before) this.miss(`${e.method} ${e.path}: a 401 appended events`);
    }
    for (const role of ALL_ROLES) {
      const allowed = rule.allowed.includes(role);
      for (const [leg, department] of [
        ['own department', D1],
        ['other department', D2],
      ] as const) {
        const token = await this.w.platform.token(a.tenantId, [role], departmentsOf(role, department));
        const expectRefusal = !allowed
          ? 403
          : write && rule.departmentScoped && department !== D1
            ? 403
            : null;
        const values = await this.pathValues(e, a, expectRefusal === null && write);
        await this.expectOutcome(e, rule, role, leg, a, b, department, values, token, expectRefusal);
      }
      await this.crossTenant(e, rule, role);
    }
  }

  private ctx(t: SeededTenant, rule: PolicyRule): RequestContext {
    return {
      fresh: this.fresh(),
      sequence: this.n,
      patientId: t.patients[0].patientId,
      departmentId: rule.departmentScoped ? D1 : undefined,
      marker: this.w.marker,
      tenantId: t.tenantId,
    };
  }

  private async expectOutcome(
    e: Endpoint,
    rule: PolicyRule,
    role: Role,
    leg: string,
    caller: SeededTenant,
    other: SeededTenant,
    department: string,
    values: Record<string, string>,
    token: string,
    refusal: number | null,
  ): Promise<void> {
    const label = `${e.app} ${e.method} ${e.path} as ${role} (${leg})`;
    const write = e.method !== 'GET';
    const before = await this.w.eventCount();
    const ctx = {
      ...this.ctx(caller, rule),
      ...(values.closedMonth ? { closedMonth: values.closedMonth } : {}),
    };
    const r = await this.send(e, caller.tenantId, values, token, ctx);
    const after = await this.w.eventCount();
    if (refusal !== null) {
      if (r.status !== refusal)
        this.miss(`${label} -> ${r.status}, expected ${refusal}: ${r.text.slice(0, 200)}`);
      if (after !== before) this.miss(`${label}: refused, yet ${after - before} events appended`);
      return;
    }
    // Allowed. A clinical caller of another department asking for a patient's month: hidden = absent.
    // A FHIR instance (read, vread, history) belongs to the D1 patient: patient-level too.
    const idParam = isFhir(e) ? 'id' : 'patientId';
    const patientLevel = e.method === 'GET' && e.pathParams.includes(idParam);
    if (patientLevel && clinicalOnly(role) && department !== D1) {
      const absentId = isFhir(e)
        ? absentLike(values.id!, caller, `ABSENT-${this.fresh()}`)
        : `ABSENT-${this.fresh()}`;
      const absent = await this.send(
        e,
        caller.tenantId,
        { ...values, [idParam]: absentId },
        token,
        this.ctx(caller, rule),
      );
      const shape = (x: HttpResult) => problemShape(x, [values[idParam]!, absentId]);
      if (r.status !== 404 || shape(r) !== shape(absent)) {
        this.result.departmentLeaks++;
        this.miss(
          `${label}: another department's patient -> ${r.status} ${shape(r)}, absent -> ${shape(absent)}`,
        );
      }
      return;
    }
    if (r.status < 200 || r.status >= 300) {
      this.miss(`${label} -> ${r.status}, expected 2xx: ${r.text.slice(0, 300)}`);
      return;
    }
    if (write) {
      const ids = (r.body as { eventIds?: unknown[] } | undefined)?.eventIds;
      if (Array.isArray(ids) && after - before !== ids.length)
        this.miss(`${label}: reported ${ids.length} events, ${after - before} appended`);
    } else if (r.status === 200) {
      this.checkReadBody(e, r, role, caller, other, department, label);
    }
  }

  /** Tenant B's token on A's URL (404), and on B's own URL with A's real ids (exactly like absent ids). */
  private async crossTenant(e: Endpoint, rule: PolicyRule, role: Role): Promise<void> {
    const { a, b } = this.w;
    const token = await this.w.platform.token(b.tenantId, [role], departmentsOf(role, D1));
    const label = `${e.app} ${e.method} ${e.path} as ${role} of the other tenant`;
    if (isFhir(e) || !e.pathParams.includes('tenantId'))
      return this.crossTenantTokenOnly(e, rule, role, token, label);
    const before = await this.w.eventCount();
    const onA = await this.send(e, a.tenantId, await this.pathValues(e, a, false), token, this.ctx(a, rule));
    if (
      onA.status !== 404 ||
      allIds(a).some((id) => JSON.stringify({ ...(onA.body as object), instance: undefined }).includes(id))
    ) {
      this.result.crossTenantLeaks++;
      this.miss(`${label} on its URL -> ${onA.status}, expected 404`);
    }
    if ((await this.w.eventCount()) !== before) this.miss(`${label}: a 404 appended events`);
    const ownIds = e.pathParams.filter((p) => p !== 'tenantId' && p !== 'month');
    if (ownIds.length > 0) {
      // A's real ids on B's path, against ids that exist nowhere: the same answer, word for word.
      const aValues = await this.pathValues(e, a, false);
      const absent = Object.fromEntries(
        Object.entries(aValues).map(([k, v]) => [
          k,
          k === 'month' ? v : k === 'jobId' ? randomUUID() : `ABS${this.fresh()}`,
        ]),
      );
      const hidden = await this.send(e, b.tenantId, aValues, token, this.ctx(b, rule));
      const control = await this.send(e, b.tenantId, absent, token, this.ctx(b, rule));
      const strip = (x: HttpResult, vals: Record<string, string>) =>
        problemShape(
          x,
          Object.values(vals).filter((v) => v !== MONTH),
        );
      if (
        hidden.status !== control.status ||
        strip(hidden, aValues) !== strip(control, absent) ||
        hidden.text.includes(this.w.marker)
      ) {
        this.result.crossTenantLeaks++;
        this.miss(
          `${label} with the owner's ids -> ${strip(hidden, aValues)}, absent ids -> ${strip(control, absent)}`,
        );
      }
    } else if (
      e.method === 'GET' &&
      e.queryParams.some((q) => q.name === 'cursor') &&
      rule.allowed.includes(role)
    ) {
      // A's real cursor on B's list: B's rows after that position, never A's.
      const cursor = await this.cursorOf(e, a);
      if (!cursor) return;
      const r = await this.send(e, b.tenantId, {}, token, this.ctx(b, rule), { cursor });
      if (r.status === 400) this.result.cursorsRejected++;
      if ((r.status !== 200 && r.status !== 400) || allIds(a).some((id) => r.text.includes(id))) {
        this.result.crossTenantLeaks++;
        this.miss(`${label} with the owner's cursor -> ${r.status}: ${r.text.slice(0, 200)}`);
      }
    }
  }

  /**
   * The FHIR base and the projector's operator routes have no tenant in their URL: tenant B's token
   * is the only difference, and it names tenant A's real objects where the path has ids. A read of
   * A's resource must answer exactly as a read of an id that exists nowhere, and a search for A's
   * patient exactly as a search for an absent patient (both compared whole, ids blanked).
   */
  private async crossTenantTokenOnly(
    e: Endpoint,
    rule: PolicyRule,
    role: Role,
    token: string,
    label: string,
  ): Promise<void> {
    const { a, b } = this.w;
    if (e.method !== 'GET' && !e.pathParams.includes('id')) {
      // A write names no object: B's token writes into B's tenant only, and hears nothing of A's.
      const r = await this.send(e, b.tenantId, {}, token, this.ctx(b, rule));
      const expected = rule.allowed.includes(role) ? '2xx' : '403';
      const got = r.status >= 200 && r.status < 300 ? '2xx' : String(r.status);
      const leaked = allIds(a).filter((id) => r.text.includes(id));
      if (got !== expected || leaked.length > 0) {
        if (leaked.length > 0) this.result.crossTenantLeaks++;
        this.miss(`${label} -> ${r.status} (expected ${expected}): ${r.text.slice(0, 200)}`);
      }
      return;
    }
    let absentId = `ABS${this.fresh()}`;
    let hidden: HttpResult;
    let control: HttpResult;
    let owner: string[];
    if (e.pathParams.includes('id')) {
      const aValues = await this.pathValues(e, a, false);
      owner = [aValues.id!]; // the version id ("1") is the same on both sides
      // A dead letter's `<partition>-<offset>`: an absent one of the same shape (else 400, not 404).
      absentId = /^\d+-\d+$/.test(aValues.id!)
        ? `${aValues.id!.split('-')[0]}-9${this.n}${Date.now() % 100_000}`
        : absentLike(aValues.id!, a, absentId);
      hidden = await this.send(e, b.tenantId, aValues, token, this.ctx(b, rule));
      control = await this.send(e, b.tenantId, { ...aValues, id: absentId }, token, this.ctx(b, rule));
    } else if (fhirTypeOf(e) === 'AuditEvent' && rule.allowed.includes(role)) {
      // B's access log holds B's own earlier probes naming A's patient (this matrix sent them): B's
      // AuditEvents for that id are B's records. They must all be B's (source.site), and carry nothing
      // of A's beyond the id B's callers sent.
      const sent = a.patients[0].patientId;
      const r = await this.send(e, b.tenantId, {}, token, this.ctx(b, rule), { patient: sent });
      const sites = ((r.body as { entry?: { resource: { source?: { site?: string } } }[] }).entry ?? []).map(
        (x) => x.resource.source?.site,
      );
      const leaked = allIds(a).filter((id) => r.text.split(sent).join('<sent>').includes(id));
      if (r.status !== 200 || sites.some((site) => site !== b.tenantId) || leaked.length > 0) {
        this.result.crossTenantLeaks++;
        this.miss(
          `${label} for the owner's patient -> ${r.status}, sites ${sites.join(',')}, ${leaked.join(',')}`,
        );
      }
      return;
    } else {
      owner = [a.patients[0].patientId];
      hidden = await this.send(e, b.tenantId, {}, token, this.ctx(b, rule), { patient: owner[0]! });
      control = await this.send(e, b.tenantId, {}, token, this.ctx(b, rule), { patient: absentId });
    }
    const shapeOf = (x: HttpResult, ids: string[]) => problemShape(x, ids);
    // Beyond the ids the caller itself sent (echoed in a not-found message), nothing of A's.
    const unechoed = owner.reduce((text, id) => text.split(id).join('<sent>'), hidden.text);
    const leaked = allIds(a).filter((id) => unechoed.includes(id));
    if (
      shapeOf(hidden, owner) !== shapeOf(control, [absentId]) ||
      leaked.length > 0 ||
      hidden.text.includes(this.w.marker)
    ) {
      this.result.crossTenantLeaks++;
      this.miss(
        `${label} with the owner's ids -> ${shapeOf(hidden, owner).slice(0, 300)}, absent ids -> ${shapeOf(control, [absentId]).slice(0, 300)}`,
      );
    }
  }
}

export { D1, D2 };
