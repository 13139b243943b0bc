import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { InitiateNavigationServices } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { InitiateNavigationServicesCommand } from './initiate-navigation-services.command';

/** Who may record pharmacologic management at a psychotherapy encounter (issue 17, extension 1.3). */
export const INITIATE_NAVIGATION_SERVICES_POLICY: ActorPolicy = { roles: ['practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toInitiateNavigationServices(c: InitiateNavigationServicesCommand): {
  command: InitiateNavigationServices;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'InitiateNavigationServices',
      patientId: c.patientId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(InitiateNavigationServicesCommand)
export class InitiateNavigationServicesHandler implements ICommandHandler<
  InitiateNavigationServicesCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: InitiateNavigationServicesCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toInitiateNavigationServices(c);
    return this.runner.runPatient(c.request, INITIATE_NAVIGATION_SERVICES_POLICY, command, departmentId);
  }
}
