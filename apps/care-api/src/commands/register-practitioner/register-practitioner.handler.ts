import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterPractitioner } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { RegisterPractitionerCommand } from './register-practitioner.command';

/** Who may register a practitioner or staff member (reference data) (issue 8). */
export const REGISTER_PRACTITIONER_POLICY: ActorPolicy = { roles: ['admin'] };

/** The domain command of a request: the body's fields; the department goes to the actor. */
export function toRegisterPractitioner(c: RegisterPractitionerCommand): {
  command: RegisterPractitioner;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return { command: { type: 'RegisterPractitioner', ...fields }, departmentId };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(RegisterPractitionerCommand)
export class RegisterPractitionerHandler implements ICommandHandler<
  RegisterPractitionerCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: RegisterPractitionerCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toRegisterPractitioner(c);
    return this.runner.runTenant(c.request, REGISTER_PRACTITIONER_POLICY, command, departmentId);
  }
}
