import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { BillingOffice } from '@careledger/billing-office';
import { resolveActor, type ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner, withConcurrencyRetry } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { BILLING_OFFICE, EVENT_STORE } from '../../shared/tokens';
import type { EventStore } from '@careledger/event-store';
import { ReopenMonthCommand } from './reopen-month.command';

/** Who may reopen a month: privileged (ADR 0610); the `MonthReopened` event is the log of who and why. */
export const REOPEN_MONTH_POLICY: ActorPolicy = { roles: ['admin'] };

/** Thin glue: `decideReopen` over the tenant stream, append with the expected version, idempotent. */
@CommandHandler(ReopenMonthCommand)
export class ReopenMonthHandler implements ICommandHandler<ReopenMonthCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(BILLING_OFFICE) private readonly office: BillingOffice,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  execute(c: ReopenMonthCommand): Promise<CommandOutcome> {
    const { month, organizationId, reason, departmentId } = c.body;
    const actor = resolveActor(c.request.principal, REOPEN_MONTH_POLICY, departmentId);
    const tenantId = c.request.tenantId;
    return this.runner.idempotent(c.request, (idempotency) =>
      withConcurrencyRetry(async () => {
        const plan = await this.office.planReopen(tenantId, month, organizationId, reason, actor);
        return this.store.append(tenantId, plan.expectedVersion, [plan.event], {
          correlationId: c.request.correlationId,
          ...(idempotency ? { idempotency } : {}),
        });
      }),
    );
  }
}
