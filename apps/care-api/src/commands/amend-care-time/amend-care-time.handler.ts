import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AmendCareTime } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { AmendCareTimeCommand } from './amend-care-time.command';

/** Who may correct a time entry (issue 8). */
export const AMEND_CARE_TIME_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toAmendCareTime(c: AmendCareTimeCommand): {
  command: AmendCareTime;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'AmendCareTime',
      patientId: c.patientId,
      entryId: c.entryId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(AmendCareTimeCommand)
export class AmendCareTimeHandler implements ICommandHandler<AmendCareTimeCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: AmendCareTimeCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toAmendCareTime(c);
    return this.runner.runPatient(c.request, AMEND_CARE_TIME_POLICY, command, departmentId);
  }
}
