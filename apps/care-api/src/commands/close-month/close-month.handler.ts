import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { BillingOffice } from '@careledger/billing-office';
import { resolveActor, type ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner, withConcurrencyRetry } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { BILLING_OFFICE } from '../../shared/tokens';
import { CloseMonthCommand } from './close-month.command';

/** Who may close a month (issue 16, ADR 0616): the billing office. */
export const CLOSE_MONTH_POLICY: ActorPolicy = { roles: ['billing'] };

/**
 * Thin glue: the billing office reads the tenant stream and the replay as of now, `decideClose`
 * decides, and the `MonthClosed` events are appended with the expected tenant-stream version
 * (lost races are decided again), idempotent per `Idempotency-Key` like every command.
 */
@CommandHandler(CloseMonthCommand)
export class CloseMonthHandler implements ICommandHandler<CloseMonthCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(BILLING_OFFICE) private readonly office: BillingOffice,
  ) {}

  execute(c: CloseMonthCommand): Promise<CommandOutcome> {
    const { month, organizationId, departmentId } = c.body;
    const actor = resolveActor(c.request.principal, CLOSE_MONTH_POLICY, departmentId);
    return this.runner.idempotent(c.request, (idempotency) =>
      withConcurrencyRetry(async () => {
        const { result } = await this.office.closeAndAppend(
          c.request.tenantId,
          month,
          organizationId,
          actor,
          {
            correlationId: c.request.correlationId,
            ...(idempotency ? { idempotency } : {}),
          },
        );
        return result;
      }),
    );
  }
}
