import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ProvidePsychotherapy } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { ProvidePsychotherapyCommand } from './provide-psychotherapy.command';

/** Who may record psychotherapy with an E/M visit (issue 8). */
export const PROVIDE_PSYCHOTHERAPY_POLICY: ActorPolicy = { roles: ['practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toProvidePsychotherapy(c: ProvidePsychotherapyCommand): {
  command: ProvidePsychotherapy;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'ProvidePsychotherapy', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(ProvidePsychotherapyCommand)
export class ProvidePsychotherapyHandler implements ICommandHandler<
  ProvidePsychotherapyCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: ProvidePsychotherapyCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toProvidePsychotherapy(c);
    return this.runner.runPatient(c.request, PROVIDE_PSYCHOTHERAPY_POLICY, command, departmentId);
  }
}
