import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { RecordMonitoringDataCommand } from './record-monitoring-data.command';
import { RECORD_MONITORING_DATA_POLICY } from './record-monitoring-data.handler';
import { RecordMonitoringDataRequest } from './record-monitoring-data.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/monitoring-data`: Record the device data days of a remote-monitoring period. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class RecordMonitoringDataController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/monitoring-data')
  @Roles(...RECORD_MONITORING_DATA_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record the device data days of a remote-monitoring period',
    description: 'Appends MonitoringDataRecorded. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: RecordMonitoringDataRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<RecordMonitoringDataCommand, CommandOutcome>(
      new RecordMonitoringDataCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
