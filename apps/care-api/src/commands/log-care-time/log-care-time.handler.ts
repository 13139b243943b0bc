import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { LogCareTime } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { LogCareTimeCommand } from './log-care-time.command';

/** Who may log minutes of care-management work (issue 8). */
export const LOG_CARE_TIME_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toLogCareTime(c: LogCareTimeCommand): {
  command: LogCareTime;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return { command: { type: 'LogCareTime', patientId: c.patientId, ...fields }, departmentId };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(LogCareTimeCommand)
export class LogCareTimeHandler implements ICommandHandler<LogCareTimeCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: LogCareTimeCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toLogCareTime(c);
    return this.runner.runPatient(c.request, LOG_CARE_TIME_POLICY, command, departmentId);
  }
}
