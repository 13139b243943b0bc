import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { VoidCareTime } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { VoidCareTimeCommand } from './void-care-time.command';

/** Who may withdraw a time entry (issue 8). */
export const VOID_CARE_TIME_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toVoidCareTime(c: VoidCareTimeCommand): {
  command: VoidCareTime;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'VoidCareTime', patientId: c.patientId, entryId: c.entryId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(VoidCareTimeCommand)
export class VoidCareTimeHandler implements ICommandHandler<VoidCareTimeCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: VoidCareTimeCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toVoidCareTime(c);
    return this.runner.runPatient(c.request, VOID_CARE_TIME_POLICY, command, departmentId);
  }
}
