import type { CommandRequest } from '../../shared/command-context';
import type { AmendCareTimeRequest } from './amend-care-time.request';

/** Correct a time entry (CQRS command carried from the controller to its handler). */
export class AmendCareTimeCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly entryId: string,
    readonly body: AmendCareTimeRequest,
  ) {}
}
