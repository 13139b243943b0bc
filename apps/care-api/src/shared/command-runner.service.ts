import { Inject, Injectable } from '@nestjs/common';
import {
  decide,
  decideTenant,
  foldPatientState,
  foldTenantState,
  type PatientCommand,
  type TenantCommand,
} from '@careledger/domain';
import {
  appendReceipt,
  ConcurrencyError,
  IdempotencyKeyTakenError,
  type AppendResult,
  type EventStore,
  type IdempotencyRecord,
  type StoredIdempotency,
} from '@careledger/event-store';
import { ProblemError } from '@careledger/http';
import type { CommandRequest } from './command-context';
import type { AppendedResponse, CommandOutcome } from './command-outcome';
import { resolveActor, type ActorPolicy } from './actor-policy';
import { CLOCK, EVENT_STORE, type Clock } from './tokens';

/** How often a command is decided again after losing a race on its stream before answering 409. */
export const MAX_CONCURRENCY_ATTEMPTS = 5;

/**
 * The response body of an append: the store's receipt, which is also what the store records as the
 * first response of an idempotent command.
 */
export function appendedBody(result: AppendResult): AppendedResponse {
  return appendReceipt(result);
}

/**
 * Runs `work` again (re-reading and re-deciding) when another writer won the stream, a bounded
 * number of times with a short random pause; the last `ConcurrencyError` becomes the 409.
 */
export async function withConcurrencyRetry<T>(
  work: () => Promise<T>,
  attempts = MAX_CONCURRENCY_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * attempt));
    }
  }
}

/**
 * The glue every command shares: load the stream, decide with the pure decider, append with the
 * expected version (retrying lost races), and make the whole thing idempotent per
 * `Idempotency-Key` (the first response is stored in the append transaction and replayed).
 */
@Injectable()
export class CommandRunner {
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
    const streamId = `${req.tenantId}:${command.patientId}`;
    return this.idempotent(req, (idempotency) =>
      withConcurrencyRetry(async () => {
        const history = await this.store.readStream(streamId);
        const events = decide(foldPatientState(history), command, {
          now: this.clock(),
          actor,
          tenantId: req.tenantId,
        });
        return this.store.append(streamId, history.length, events, {
          correlationId: req.correlationId,
          ...(idempotency ? { idempotency } : {}),
        });
      }),
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
    return this.idempotent(req, (idempotency) =>
      withConcurrencyRetry(async () => {
        const history = await this.store.readStream(req.tenantId);
        const events = decideTenant(foldTenantState(history), command, {
          now: this.clock(),
          actor,
          tenantId: req.tenantId,
        });
        return this.store.append(req.tenantId, history.length, events, {
          correlationId: req.correlationId,
          ...(idempotency ? { idempotency } : {}),
        });
      }),
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
