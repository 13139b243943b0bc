import { Inject, Injectable } from '@nestjs/common';
import {
  decide,
  decideTenant,
  foldPatientState,
  foldTenantState,
  initialPatientState,
  initialTenantState,
  type ContractEvent,
  type PatientCommand,
  type PatientState,
  type TenantCommand,
  type TenantState,
} from '@careledger/domain';
import {
  appendReceipt,
  ConcurrencyError,
  IdempotencyKeyTakenError,
  type AppendResult,
  type EventStore,
  type IdempotencyRecord,
  type StoredIdempotency,
  type StreamFold,
} from '@careledger/event-store';
import { ProblemError } from '@careledger/http';
import type { CommandRequest } from './command-context';
import type { AppendedResponse, CommandOutcome } from './command-outcome';
import { resolveActor, type ActorPolicy } from './actor-policy';
import { StreamQueue } from './stream-queue';
import { CLOCK, EVENT_STORE, type Clock } from './tokens';

/**
 * How often a command is decided again after losing a race on its stream to another process (or to
 * an in-process writer outside the queue, such as an import) before answering 409.
 */
export const MAX_CONCURRENCY_ATTEMPTS = 5;

/** The patient fold of libs/domain, as the event store's state cache keys it (ADR 0405). */
export const PATIENT_FOLD: StreamFold<PatientState> = {
  name: 'patient',
  initial: initialPatientState,
  fold: (events, from) => foldPatientState(events, from),
};

/** The tenant (reference data) fold of libs/domain. */
export const TENANT_FOLD: StreamFold<TenantState> = {
  name: 'tenant',
  initial: initialTenantState,
  fold: (events, from) => foldTenantState(events, from),
};

/**
 * The response body of an append: the store's receipt, which is also what the store records as the
 * first response of an idempotent command.
 */
export function appendedBody(result: AppendResult): AppendedResponse {
  return appendReceipt(result);
}

/**
 * Runs `work` again (re-reading and re-deciding) when another writer won the stream, at once and a
 * bounded number of times; the last `ConcurrencyError` becomes the 409. No pause: commands of this
 * process on one stream are queued (never race), so a lost race means another process appended, and
 * re-reading at once sees its events.
 */
export async function withConcurrencyRetry<T>(
  work: (attempt: number) => Promise<T>,
  attempts = MAX_CONCURRENCY_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= attempts) throw err;
    }
  }
}

/**
 * The glue every command shares: queue behind this process's other commands on the stream, load
 * the folded stream (cached: no query when warm), decide with the pure decider, append with the
 * expected version and hash (one statement; a lost race to another process re-folds and decides
 * again), and make the whole thing idempotent per `Idempotency-Key` (the first response is stored
 * by the append statement and replayed).
 */
@Injectable()
export class CommandRunner {
  private readonly queue = new StreamQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A command on a patient stream (`tenantId:patientId`). */
  runPatient(
    req: CommandRequest,
    policy: ActorPolicy,
    command: PatientCommand,
    departmentId: string | undefined,
  ): Promise<CommandOutcome> {
    const actor = resolveActor(req.principal, policy, departmentId);
    const ctx = { actor, tenantId: req.tenantId };
    return this.runOnStream(req, `${req.tenantId}:${command.patientId}`, PATIENT_FOLD, (state) =>
      decide(state, command, { ...ctx, now: this.clock() }),
    );
  }

  /** A reference-data command on the tenant stream. */
  runTenant(
    req: CommandRequest,
    policy: ActorPolicy,
    command: TenantCommand,
    departmentId: string | undefined,
  ): Promise<CommandOutcome> {
    const actor = resolveActor(req.principal, policy, departmentId);
    const ctx = { actor, tenantId: req.tenantId };
    return this.runOnStream(req, req.tenantId, TENANT_FOLD, (state) =>
      decideTenant(state, command, { ...ctx, now: this.clock() }),
    );
  }

  /**
   * One command on one stream, queued in-process per stream (FIFO): the idempotency lookup, the
   * decision and the append run only after the previous command on the stream has finished, so a
   * twin request finds its twin's stored response and same-stream commands never conflict here.
   */
  private runOnStream<S>(
    req: CommandRequest,
    streamId: string,
    fold: StreamFold<S>,
    decideOn: (state: S) => ContractEvent[],
  ): Promise<CommandOutcome> {
    return this.queue.run(streamId, () =>
      this.idempotent(req, (idempotency) =>
        withConcurrencyRetry(async (attempt) => {
          const folded = await this.store.loadState(streamId, fold, { fresh: attempt > 1 });
          return this.store.appendFolded(folded, decideOn(folded.state), {
            correlationId: req.correlationId,
            ...(idempotency ? { idempotency } : {}),
          });
        }),
      ),
    );
  }

  /**
   * Idempotency: a stored first response is replayed (same request) or refused with 422 (another
   * request under the same key). Failed commands store nothing, so a retry is decided afresh.
   */
  async idempotent(
    req: CommandRequest,
    work: (idempotency: IdempotencyRecord | undefined) => Promise<AppendResult>,
  ): Promise<CommandOutcome> {
    const key = req.idempotencyKey;
    if (key) {
      const stored = await this.store.findIdempotency(req.tenantId, key);
      if (stored) return replay(stored, req.requestHash);
    }
    const record: IdempotencyRecord | undefined = key
      ? {
          tenantId: req.tenantId,
          key,
          requestHash: req.requestHash,
          statusCode: 201,
        }
      : undefined;
    try {
      const result = await work(record);
      return { statusCode: 201, body: appendedBody(result), replayed: false };
    } catch (err) {
      // A twin request under the same key may have committed while this one ran (it then loses the
      // race on the stream, or finds its own entry already recorded): answer with the twin's result.
      if (key) {
        const stored = await this.store.findIdempotency(req.tenantId, key);
        if (stored) return replay(stored, req.requestHash);
      }
      if (err instanceof IdempotencyKeyTakenError) throw new ConcurrencyError(req.tenantId, 0, null);
      throw err;
    }
  }
}

function replay(stored: StoredIdempotency, requestHash: string): CommandOutcome {
  if (stored.requestHash !== requestHash) {
    throw new ProblemError(
      422,
      'IDEMPOTENCY.KEY_REUSED',
      'This Idempotency-Key was already used for a different request.',
      [{ field: 'Idempotency-Key', message: 'was already used for a different request' }],
    );
  }
  // jsonb does not keep key order: rebuild the body in the order the first response had.
  const r = stored.response as AppendedResponse;
  return {
    statusCode: stored.statusCode,
    body: {
      eventIds: r.eventIds,
      streams: r.streams.map((s) => ({ streamId: s.streamId, streamVersion: s.streamVersion })),
      globalPosition: r.globalPosition,
    },
    replayed: true,
  };
}
