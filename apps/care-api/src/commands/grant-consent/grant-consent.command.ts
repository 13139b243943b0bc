import type { CommandRequest } from '../../shared/command-context';
import type { GrantConsentRequest } from './grant-consent.request';

/** Record a patient's consent to a program (CQRS command carried from the controller to its handler). */
export class GrantConsentCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: GrantConsentRequest,
  ) {}
}
