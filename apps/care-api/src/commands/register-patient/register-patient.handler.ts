import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterPatient } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { RegisterPatientCommand } from './register-patient.command';

/** Who may register a patient with a home organization (issue 8). */
export const REGISTER_PATIENT_POLICY: ActorPolicy = { roles: ['admin', 'care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields; the department goes to the actor. */
export function toRegisterPatient(c: RegisterPatientCommand): {
  command: RegisterPatient;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return { command: { type: 'RegisterPatient', ...fields }, departmentId };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(RegisterPatientCommand)
export class RegisterPatientHandler implements ICommandHandler<RegisterPatientCommand, CommandOutcome> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: RegisterPatientCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toRegisterPatient(c);
    return this.runner.runPatient(c.request, REGISTER_PATIENT_POLICY, command, departmentId);
  }
}
