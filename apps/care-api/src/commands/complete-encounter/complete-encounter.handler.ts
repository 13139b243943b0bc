import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CompleteEncounter } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { CompleteEncounterCommand } from './complete-encounter.command';

/** Who may record a completed visit (issue 8). */
export const COMPLETE_ENCOUNTER_POLICY: ActorPolicy = { roles: ['practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toCompleteEncounter(c: CompleteEncounterCommand): {
  command: CompleteEncounter;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'CompleteEncounter', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(CompleteEncounterCommand)
export class CompleteEncounterHandler implements ICommandHandler<CompleteEncounterCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: CompleteEncounterCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toCompleteEncounter(c);
    return this.runner.runPatient(c.request, COMPLETE_ENCOUNTER_POLICY, command, departmentId);
  }
}
