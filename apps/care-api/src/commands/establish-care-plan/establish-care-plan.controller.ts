import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { EstablishCarePlanCommand } from './establish-care-plan.command';
import { ESTABLISH_CARE_PLAN_POLICY } from './establish-care-plan.handler';
import { EstablishCarePlanRequest } from './establish-care-plan.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/care-plans`: Record version 1 of a care plan. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class EstablishCarePlanController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/care-plans')
  @Roles(...ESTABLISH_CARE_PLAN_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record version 1 of a care plan',
    description: 'Appends CarePlanEstablished. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: EstablishCarePlanRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<EstablishCarePlanCommand, CommandOutcome>(
      new EstablishCarePlanCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
