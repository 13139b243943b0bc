import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { LogNavigationTimeCommand } from './log-navigation-time.command';
import { LOG_NAVIGATION_TIME_POLICY } from './log-navigation-time.handler';
import { LogNavigationTimeRequest } from './log-navigation-time.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/navigation-time`: Log minutes of navigation or community health integration work. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class LogNavigationTimeController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/navigation-time')
  @Roles(...LOG_NAVIGATION_TIME_POLICY.roles)
  @CommandEndpoint({
    summary: 'Log minutes of navigation or community health integration work',
    description: 'Appends NavigationTimeLogged. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: LogNavigationTimeRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<LogNavigationTimeCommand, CommandOutcome>(
      new LogNavigationTimeCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
