import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DiagnoseCondition } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { DiagnoseConditionCommand } from './diagnose-condition.command';

/** Who may record a diagnosis (issue 8). */
export const DIAGNOSE_CONDITION_POLICY: ActorPolicy = { roles: ['practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toDiagnoseCondition(c: DiagnoseConditionCommand): {
  command: DiagnoseCondition;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'DiagnoseCondition', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(DiagnoseConditionCommand)
export class DiagnoseConditionHandler implements ICommandHandler<DiagnoseConditionCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: DiagnoseConditionCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toDiagnoseCondition(c);
    return this.runner.runPatient(c.request, DIAGNOSE_CONDITION_POLICY, command, departmentId);
  }
}
