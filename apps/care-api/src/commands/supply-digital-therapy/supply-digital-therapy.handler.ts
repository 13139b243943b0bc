import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { SupplyDigitalTherapy } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { SupplyDigitalTherapyCommand } from './supply-digital-therapy.command';

/** Who may record a digital mental health treatment device supplied for a course (issue 17, ADR 0208). */
export const SUPPLY_DIGITAL_THERAPY_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toSupplyDigitalTherapy(c: SupplyDigitalTherapyCommand): {
  command: SupplyDigitalTherapy;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'SupplyDigitalTherapy', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(SupplyDigitalTherapyCommand)
export class SupplyDigitalTherapyHandler implements ICommandHandler<
  SupplyDigitalTherapyCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: SupplyDigitalTherapyCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toSupplyDigitalTherapy(c);
    return this.runner.runPatient(c.request, SUPPLY_DIGITAL_THERAPY_POLICY, command, departmentId);
  }
}
