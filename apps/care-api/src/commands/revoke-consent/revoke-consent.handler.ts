import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RevokeConsent } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { RevokeConsentCommand } from './revoke-consent.command';

/** Who may record the withdrawal of a consent (issue 8). */
export const REVOKE_CONSENT_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toRevokeConsent(c: RevokeConsentCommand): {
  command: RevokeConsent;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'RevokeConsent',
      patientId: c.patientId,
      consentId: c.consentId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(RevokeConsentCommand)
export class RevokeConsentHandler implements ICommandHandler<RevokeConsentCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: RevokeConsentCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toRevokeConsent(c);
    return this.runner.runPatient(c.request, REVOKE_CONSENT_POLICY, command, departmentId);
  }
}
