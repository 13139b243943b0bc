import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EstablishCarePlan } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { EstablishCarePlanCommand } from './establish-care-plan.command';

/** Who may record version 1 of a care plan (issue 8). */
export const ESTABLISH_CARE_PLAN_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toEstablishCarePlan(c: EstablishCarePlanCommand): {
  command: EstablishCarePlan;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'EstablishCarePlan', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(EstablishCarePlanCommand)
export class EstablishCarePlanHandler implements ICommandHandler<EstablishCarePlanCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: EstablishCarePlanCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toEstablishCarePlan(c);
    return this.runner.runPatient(c.request, ESTABLISH_CARE_PLAN_POLICY, command, departmentId);
  }
}
