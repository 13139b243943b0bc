import type { CommandRequest } from '../../shared/command-context';
import type { LogNavigationTimeRequest } from './log-navigation-time.request';

/** Log minutes of navigation or community health integration work (CQRS command carried from the controller to its handler). */
export class LogNavigationTimeCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: LogNavigationTimeRequest,
  ) {}
}
