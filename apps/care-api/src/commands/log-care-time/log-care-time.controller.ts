import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { LogCareTimeCommand } from './log-care-time.command';
import { LOG_CARE_TIME_POLICY } from './log-care-time.handler';
import { LogCareTimeRequest } from './log-care-time.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/care-time`: Log minutes of care-management work. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class LogCareTimeController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/care-time')
  @Roles(...LOG_CARE_TIME_POLICY.roles)
  @CommandEndpoint({
    summary: 'Log minutes of care-management work',
    description: 'Appends CareTimeLogged. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: LogCareTimeRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<LogCareTimeCommand, CommandOutcome>(
      new LogCareTimeCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
