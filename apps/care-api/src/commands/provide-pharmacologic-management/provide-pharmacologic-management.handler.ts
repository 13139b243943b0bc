import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ProvidePharmacologicManagement } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { ProvidePharmacologicManagementCommand } from './provide-pharmacologic-management.command';

/** Who may record pharmacologic management at a psychotherapy encounter (issue 8). */
export const PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY: ActorPolicy = { roles: ['practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toProvidePharmacologicManagement(c: ProvidePharmacologicManagementCommand): {
  command: ProvidePharmacologicManagement;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: {
      type: 'ProvidePharmacologicManagement',
      patientId: c.patientId,
      ...fields,
    },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(ProvidePharmacologicManagementCommand)
export class ProvidePharmacologicManagementHandler implements ICommandHandler<
  ProvidePharmacologicManagementCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: ProvidePharmacologicManagementCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toProvidePharmacologicManagement(c);
    return this.runner.runPatient(c.request, PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY, command, departmentId);
  }
}
