import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReviseCarePlan } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { ReviseCarePlanCommand } from './revise-care-plan.command';

/** Who may record the next version of a care plan (issue 8). */
export const REVISE_CARE_PLAN_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toReviseCarePlan(c: ReviseCarePlanCommand): {
  command: ReviseCarePlan;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'ReviseCarePlan',
      patientId: c.patientId,
      carePlanId: c.carePlanId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(ReviseCarePlanCommand)
export class ReviseCarePlanHandler implements ICommandHandler<ReviseCarePlanCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: ReviseCarePlanCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toReviseCarePlan(c);
    return this.runner.runPatient(c.request, REVISE_CARE_PLAN_POLICY, command, departmentId);
  }
}
