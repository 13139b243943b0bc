import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { ReviseCarePlanCommand } from './revise-care-plan.command';
import { REVISE_CARE_PLAN_POLICY } from './revise-care-plan.handler';
import { ReviseCarePlanRequest } from './revise-care-plan.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/care-plans/{carePlanId}/revisions`: Record the next version of a care plan. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ReviseCarePlanController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/care-plans/:carePlanId/revisions')
  @Roles(...REVISE_CARE_PLAN_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record the next version of a care plan',
    description: 'Appends CarePlanRevised. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Param('carePlanId') carePlanId: string,
    @Body() body: ReviseCarePlanRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<ReviseCarePlanCommand, CommandOutcome>(
      new ReviseCarePlanCommand(req, patientId, carePlanId, body),
    );
    return respond(res, outcome);
  }
}
