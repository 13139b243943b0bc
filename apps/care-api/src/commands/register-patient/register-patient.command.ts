import type { CommandRequest } from '../../shared/command-context';
import type { RegisterPatientRequest } from './register-patient.request';

/** Register a patient with a home organization (CQRS command carried from the controller to its handler). */
export class RegisterPatientCommand {
  constructor(
    readonly request: CommandRequest,
    readonly body: RegisterPatientRequest,
  ) {}
}
