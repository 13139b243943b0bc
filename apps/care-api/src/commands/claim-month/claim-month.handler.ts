import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ClaimMonth } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { ClaimMonthCommand } from './claim-month.command';

/** Who may record what was submitted for a month (issue 8). */
export const CLAIM_MONTH_POLICY: ActorPolicy = { roles: ['billing'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toClaimMonth(c: ClaimMonthCommand): {
  command: ClaimMonth;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return { command: { type: 'ClaimMonth', patientId: c.patientId, ...fields }, departmentId };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(ClaimMonthCommand)
export class ClaimMonthHandler implements ICommandHandler<ClaimMonthCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: ClaimMonthCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toClaimMonth(c);
    return this.runner.runPatient(c.request, CLAIM_MONTH_POLICY, command, departmentId);
  }
}
