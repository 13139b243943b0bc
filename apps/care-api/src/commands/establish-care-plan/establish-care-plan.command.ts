import type { CommandRequest } from '../../shared/command-context';
import type { EstablishCarePlanRequest } from './establish-care-plan.request';

/** Record version 1 of a care plan (CQRS command carried from the controller to its handler). */
export class EstablishCarePlanCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: EstablishCarePlanRequest,
  ) {}
}
