import type { CommandRequest } from '../../shared/command-context';
import type { ReopenMonthRequest } from './reopen-month.request';

/** Reopen a closed tenant-month (CQRS command carried from the controller to its handler). */
export class ReopenMonthCommand {
  constructor(
    readonly request: CommandRequest,
    readonly body: ReopenMonthRequest,
  ) {}
}
