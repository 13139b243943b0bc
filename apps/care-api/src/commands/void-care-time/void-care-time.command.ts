import type { CommandRequest } from '../../shared/command-context';
import type { VoidCareTimeRequest } from './void-care-time.request';

/** Withdraw a time entry (CQRS command carried from the controller to its handler). */
export class VoidCareTimeCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly entryId: string,
    readonly body: VoidCareTimeRequest,
  ) {}
}
