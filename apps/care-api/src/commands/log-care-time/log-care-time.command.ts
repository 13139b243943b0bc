import type { CommandRequest } from '../../shared/command-context';
import type { LogCareTimeRequest } from './log-care-time.request';

/** Log minutes of care-management work (CQRS command carried from the controller to its handler). */
export class LogCareTimeCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: LogCareTimeRequest,
  ) {}
}
