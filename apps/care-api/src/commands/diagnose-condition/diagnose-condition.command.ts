import type { CommandRequest } from '../../shared/command-context';
import type { DiagnoseConditionRequest } from './diagnose-condition.request';

/** Record a diagnosis (CQRS command carried from the controller to its handler). */
export class DiagnoseConditionCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: DiagnoseConditionRequest,
  ) {}
}
