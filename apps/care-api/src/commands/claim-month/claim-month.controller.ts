import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { ClaimMonthCommand } from './claim-month.command';
import { CLAIM_MONTH_POLICY } from './claim-month.handler';
import { ClaimMonthRequest } from './claim-month.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/month-claims`: Record what was submitted for a month. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ClaimMonthController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/month-claims')
  @Roles(...CLAIM_MONTH_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record what was submitted for a month',
    description: 'Appends MonthClaimed. Roles: billing.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: ClaimMonthRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<ClaimMonthCommand, CommandOutcome>(
      new ClaimMonthCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
