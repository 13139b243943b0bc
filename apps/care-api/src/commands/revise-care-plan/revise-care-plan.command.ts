import type { CommandRequest } from '../../shared/command-context';
import type { ReviseCarePlanRequest } from './revise-care-plan.request';

/** Record the next version of a care plan (CQRS command carried from the controller to its handler). */
export class ReviseCarePlanCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly carePlanId: string,
    readonly body: ReviseCarePlanRequest,
  ) {}
}
