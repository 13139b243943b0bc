import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  EventValidationError,
  checkPatientInvariants,
  checkTenantInvariants,
  evolve,
  evolveTenant,
  foldPatientState,
  foldTenantState,
  isTenantEvent,
  streamIdOf,
  validateContractEvent,
  type ContractEvent,
  type PatientEvent,
  type TenantEvent,
} from '@careledger/domain';
import type { EventStore, StreamAppend } from '@careledger/event-store';
import { ProblemError, type FieldProblem } from '@careledger/http';
import type { CommandRequest } from '../shared/command-context';
import type { CommandOutcome } from '../shared/command-outcome';
import { CommandRunner, withConcurrencyRetry } from '../shared/command-runner.service';
import { EVENT_STORE } from '../shared/tokens';

/** Largest number of events one import request may carry (the body limit applies as well). */
export const MAX_IMPORT_EVENTS = 50_000;

/** Envelope fields a domain invariant error may name; anything else is a `data` field. */
const ENVELOPE_FIELDS = new Set(['tenantId', 'patientId', 'type', 'occurredAt', 'recordedAt', 'actor']);

/**
 * `POST /v1/tenants/{tenantId}/events:import`: contract events as they are (migrations, the
 * conformance suite). Every event is validated (upcast first) and checked against its stream's
 * invariants in request order; then all streams are appended in ONE transaction, so an import is
 * all-or-nothing. `recordedAt` is kept as given (knowledge time of the source system).
 */
@Injectable()
export class ImportEventsService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: CommandRunner,
  ) {}

  async import(req: CommandRequest, body: unknown): Promise<CommandOutcome> {
    const events = this.validate(req.tenantId, body);
    return this.runner.idempotent(req, (idempotency) =>
      withConcurrencyRetry(async () => {
        const appends = await this.checkInvariants(events);
        return this.store.appendMany(appends, {
          correlationId: req.correlationId,
          ...(idempotency ? { idempotency } : {}),
        });
      }),
    );
  }

  /** Every contract problem of every event, named `[i].field`; 400 when there is any. */
  private validate(tenantId: string, body: unknown): ContractEvent[] {
    if (!Array.isArray(body)) {
      throw ProblemError.badRequest('IMPORT.INVALID', [
        { field: 'body', message: 'must be a JSON array of contract events' },
      ]);
    }
    if (body.length === 0)
      throw ProblemError.badRequest('IMPORT.INVALID', [{ field: 'body', message: 'must not be empty' }]);
    if (body.length > MAX_IMPORT_EVENTS) {
      throw ProblemError.badRequest('IMPORT.INVALID', [
        { field: 'body', message: `must hold at most ${MAX_IMPORT_EVENTS} events` },
      ]);
    }
    const problems: FieldProblem[] = [];
    const events: ContractEvent[] = [];
    body.forEach((raw: unknown, i) => {
      try {
        const event = validateContractEvent(raw);
        if (event.tenantId !== tenantId) {
          problems.push({ field: `[${i}].tenantId`, message: 'must be the tenant of the request path' });
        }
        events.push(event);
      } catch (err) {
        if (!(err instanceof EventValidationError)) throw err;
        for (const issue of err.issues) {
          problems.push({
            field: issue.field === 'event' ? `[${i}]` : `[${i}].${issue.field}`,
            message: issue.message,
          });
        }
        const rawTenant = (raw as { tenantId?: unknown } | null)?.tenantId;
        if (
          typeof rawTenant === 'string' &&
          rawTenant !== tenantId &&
          !err.issues.some((x) => x.field === 'tenantId')
        ) {
          problems.push({ field: `[${i}].tenantId`, message: 'must be the tenant of the request path' });
        }
      }
    });
    if (problems.length > 0) {
      throw ProblemError.badRequest(
        'EVENT.INVALID',
        problems,
        `${problems.length} problem(s) in the imported events`,
      );
    }
    return events;
  }

  /** Folds each stream's stored history, then checks and folds the imported events in request order. */
  private async checkInvariants(events: readonly ContractEvent[]): Promise<StreamAppend[]> {
    const streams = new Map<string, { events: ContractEvent[]; indexes: number[] }>();
    events.forEach((e, i) => {
      const id = streamIdOf(e);
      const s = streams.get(id) ?? { events: [], indexes: [] };
      s.events.push(e);
      s.indexes.push(i);
      streams.set(id, s);
    });
    const appends: StreamAppend[] = [];
    for (const [streamId, s] of streams) {
      const history = await this.store.readStream(streamId);
      let k = 0;
      try {
        if (streamId.includes(':')) {
          let state = foldPatientState(history);
          for (; k < s.events.length; k++) {
            const e = s.events[k] as PatientEvent;
            checkPatientInvariants(state, e);
            state = evolve(state, e);
          }
        } else {
          let state = foldTenantState(history);
          for (; k < s.events.length; k++) {
            const e = s.events[k] as TenantEvent;
            if (!isTenantEvent(e)) throw new ProblemError(400, 'EVENT.INVALID', 'not a tenant-stream event');
            checkTenantInvariants(state, e);
            state = evolveTenant(state, e);
          }
        }
      } catch (err) {
        if (err instanceof DomainError) {
          const field = err.field ?? 'data';
          const path =
            ENVELOPE_FIELDS.has(field.split('.')[0]!) || field.startsWith('data') ? field : `data.${field}`;
          throw new ProblemError(err.httpStatus, err.code, `Event [${s.indexes[k]}]: ${err.message}`, [
            { field: `[${s.indexes[k]}].${path}`, message: err.message },
          ]);
        }
        throw err;
      }
      appends.push({ streamId, expectedVersion: history.length, events: s.events });
    }
    return appends;
  }
}
