import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { LogNavigationTime } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { LogNavigationTimeCommand } from './log-navigation-time.command';

/** Who may record pharmacologic management at a psychotherapy encounter (issue 17, extension 1.3). */
export const LOG_NAVIGATION_TIME_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toLogNavigationTime(c: LogNavigationTimeCommand): {
  command: LogNavigationTime;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'LogNavigationTime',
      patientId: c.patientId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(LogNavigationTimeCommand)
export class LogNavigationTimeHandler implements ICommandHandler<LogNavigationTimeCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: LogNavigationTimeCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toLogNavigationTime(c);
    return this.runner.runPatient(c.request, LOG_NAVIGATION_TIME_POLICY, command, departmentId);
  }
}
