import type { CommandRequest } from '../../shared/command-context';
import type { RegisterPractitionerRequest } from './register-practitioner.request';

/** Register a practitioner or staff member (reference data) (CQRS command carried from the controller to its handler). */
export class RegisterPractitionerCommand {
  constructor(
    readonly request: CommandRequest,
    readonly body: RegisterPractitionerRequest,
  ) {}
}
