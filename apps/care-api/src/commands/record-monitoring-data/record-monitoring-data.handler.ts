import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RecordMonitoringData } from '@careledger/domain';
import type { ActorPolicy } from '../../shared/actor-policy';
import { CommandRunner } from '../../shared/command-runner.service';
import type { CommandOutcome } from '../../shared/command-outcome';
import { RecordMonitoringDataCommand } from './record-monitoring-data.command';

/** Who may record the device data days of a remote-monitoring period (issue 17, ADR 0208). */
export const RECORD_MONITORING_DATA_POLICY: ActorPolicy = { roles: ['care_manager', 'practitioner'] };

/** The domain command of a request: the body's fields plus the ids in the path; the department goes to the actor. */
export function toRecordMonitoringData(c: RecordMonitoringDataCommand): {
  command: RecordMonitoringData;
  departmentId: string | undefined;
} {
  const { departmentId, ...fields } = c.body;
  return {
    command: { type: 'RecordMonitoringData', patientId: c.patientId, ...fields },
    departmentId,
  };
}

/** Thin glue: load the stream, decide, append with the expected version (see CommandRunner). */
@CommandHandler(RecordMonitoringDataCommand)
export class RecordMonitoringDataHandler implements ICommandHandler<
  RecordMonitoringDataCommand,
  CommandOutcome
> {
  constructor(private readonly runner: CommandRunner) {}

  execute(c: RecordMonitoringDataCommand): Promise<CommandOutcome> {
    const { command, departmentId } = toRecordMonitoringData(c);
    return this.runner.runPatient(c.request, RECORD_MONITORING_DATA_POLICY, command, departmentId);
  }
}
