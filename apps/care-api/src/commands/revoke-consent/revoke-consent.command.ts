import type { CommandRequest } from '../../shared/command-context';
import type { RevokeConsentRequest } from './revoke-consent.request';

/** Record the withdrawal of a consent (CQRS command carried from the controller to its handler). */
export class RevokeConsentCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly consentId: string,
    readonly body: RevokeConsentRequest,
  ) {}
}
