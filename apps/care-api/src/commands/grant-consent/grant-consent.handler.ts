import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { GrantConsent } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { GrantConsentCommand } from './grant-consent.command';

/** Who may record a patient's consent to a program (issue 8). */
export const GRANT_CONSENT_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toGrantConsent(c: GrantConsentCommand): {
  command: GrantConsent;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'GrantConsent', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(GrantConsentCommand)
export class GrantConsentHandler implements ICommandHandler<GrantConsentCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: GrantConsentCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toGrantConsent(c);
    return this.runner.runPatient(c.request, GRANT_CONSENT_POLICY, command, departmentId);
  }
}
