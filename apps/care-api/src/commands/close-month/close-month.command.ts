import type { CommandRequest } from '../../shared/command-context';
import type { CloseMonthRequest } from './close-month.request';

/** Close a tenant-month (CQRS command carried from the controller to its handler). */
export class CloseMonthCommand {
  constructor(
    readonly request: CommandRequest,
    readonly body: CloseMonthRequest,
  ) {}
}
