import type { CommandRequest } from '../../shared/command-context';
import type { CompleteEncounterRequest } from './complete-encounter.request';

/** Record a completed visit (CQRS command carried from the controller to its handler). */
export class CompleteEncounterCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: CompleteEncounterRequest,
  ) {}
}
