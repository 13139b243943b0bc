import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterOrganization } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { RegisterOrganizationCommand } from './register-organization.command';

/** Who may register an organization (reference data) (issue 8). */
export const REGISTER_ORGANIZATION_POLICY: ActorPolicy = { roles: ['admin'] };

/** The domain command of a request: the body's fields; the department goes to the actor. */
export function toRegisterOrganization(c: RegisterOrganizationCommand): {
  command: RegisterOrganization;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return { command: { type: 'RegisterOrganization', ...fields }, departmentId };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(RegisterOrganizationCommand)
export class RegisterOrganizationHandler implements ICommandHandler<
  RegisterOrganizationCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: RegisterOrganizationCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toRegisterOrganization(c);
    return this.runner.runTenant(c.request, REGISTER_ORGANIZATION_POLICY, command, departmentId);
  }
}
