import type { CommandRequest } from '../../shared/command-context';
import type { RegisterOrganizationRequest } from './register-organization.request';

/** Register an organization (reference data) (CQRS command carried from the controller to its handler). */
export class RegisterOrganizationCommand {
  constructor(
    readonly request: CommandRequest,
    readonly body: RegisterOrganizationRequest,
  ) {}
}
