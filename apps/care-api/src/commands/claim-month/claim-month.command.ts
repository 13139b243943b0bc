import type { CommandRequest } from '../../shared/command-context';
import type { ClaimMonthRequest } from './claim-month.request';

/** Record what was submitted for a month (CQRS command carried from the controller to its handler). */
export class ClaimMonthCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: ClaimMonthRequest,
  ) {}
}
