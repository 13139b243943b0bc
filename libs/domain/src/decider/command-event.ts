import { EventValidationError } from '../events/event-validation.error';
import type { Actor, ContractEvent, Instant } from '../events/event-types';
import { validateContractEvent } from '../events/validate-contract-event';

/**
 * What a decision needs from outside the domain: the clock reading (`now` becomes `recordedAt`),
 * who acts, and the tenant. The domain has no clock and no id generator; the adapter passes them.
 */
export interface CommandContext {
  /** The platform's clock at the decision, an instant with offset; becomes `recordedAt`. */
  readonly now: Instant;
  readonly actor: Actor;
  readonly tenantId: string;
}

/**
 * Turn a flat command into the contract event it asks for and validate it with the contract's own
 * validator, so commands and imported events obey one set of rules. Field paths of `data.*` are
 * reported without the prefix (`minutes`), as the command spells them.
 */
export function eventFromCommand(
  command: { type: string; occurredAt?: Instant; patientId?: string } & Record<string, unknown>,
  eventType: ContractEvent['type'],
  ctx: CommandContext,
  occurredAtFrom?: string,
): ContractEvent {
  const { type: _type, occurredAt, patientId, ...data } = command;
  const implied = occurredAtFrom === undefined ? undefined : data[occurredAtFrom];
  const raw = {
    type: eventType,
    schemaVersion: 1,
    tenantId: ctx.tenantId,
    ...(patientId === undefined ? {} : { patientId }),
    occurredAt: occurredAt ?? (typeof implied === 'string' ? implied : ctx.now),
    recordedAt: ctx.now,
    actor: ctx.actor,
    data,
  };
  try {
    return validateContractEvent(raw);
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    throw new EventValidationError(
      error.issues.map((i) => ({
        ...i,
        field:
          i.field === 'data'
            ? 'command'
            : i.field.startsWith('data.')
              ? i.field.slice(5)
              : commandField(i.field),
      })),
    );
  }
}

/** Envelope paths as the caller knows them: `recordedAt` is the context's `now`, `actor.*` the context's. */
function commandField(field: string): string {
  if (field === 'recordedAt') return 'ctx.now';
  if (field === 'tenantId' || field.startsWith('actor')) return `ctx.${field}`;
  return field;
}
