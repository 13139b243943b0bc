import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { InitiateNavigationServicesCommand } from './initiate-navigation-services.command';
import { INITIATE_NAVIGATION_SERVICES_POLICY } from './initiate-navigation-services.handler';
import { InitiateNavigationServicesRequest } from './initiate-navigation-services.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/navigation-initiations`: Initiate community health integration or principal illness navigation. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class InitiateNavigationServicesController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/navigation-initiations')
  @Roles(...INITIATE_NAVIGATION_SERVICES_POLICY.roles)
  @CommandEndpoint({
    summary: 'Initiate community health integration or principal illness navigation',
    description: 'Appends NavigationServicesInitiated. Roles: practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: InitiateNavigationServicesRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<InitiateNavigationServicesCommand, CommandOutcome>(
      new InitiateNavigationServicesCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
