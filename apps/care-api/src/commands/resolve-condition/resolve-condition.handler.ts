import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ResolveCondition } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { ResolveConditionCommand } from './resolve-condition.command';

/** Who may record that a condition is resolved (issue 8). */
export const RESOLVE_CONDITION_POLICY: ActorPolicy = { roles: ['practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toResolveCondition(c: ResolveConditionCommand): {
  command: ResolveCondition;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'ResolveCondition',
      patientId: c.patientId,
      conditionId: c.conditionId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(ResolveConditionCommand)
export class ResolveConditionHandler implements ICommandHandler<ResolveConditionCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: ResolveConditionCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toResolveCondition(c);
    return this.runner.runPatient(c.request, RESOLVE_CONDITION_POLICY, command, departmentId);
  }
}
