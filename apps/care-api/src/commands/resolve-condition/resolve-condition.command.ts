import type { CommandRequest } from '../../shared/command-context';
import type { ResolveConditionRequest } from './resolve-condition.request';

/** Record that a condition is resolved (CQRS command carried from the controller to its handler). */
export class ResolveConditionCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly conditionId: string,
    readonly body: ResolveConditionRequest,
  ) {}
}
