import type { CommandRequest } from '../../shared/command-context';
import type { RecordMonitoringDataRequest } from './record-monitoring-data.request';

/** Record the device data days of a remote-monitoring period (CQRS command carried from the controller to its handler). */
export class RecordMonitoringDataCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: RecordMonitoringDataRequest,
  ) {}
}
