import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { ReopenMonthCommand } from './reopen-month.command';
import { REOPEN_MONTH_POLICY } from './reopen-month.handler';
import { ReopenMonthRequest } from './reopen-month.request';

/** `POST /v1/tenants/{tenantId}/month-reopenings`: reopen a closed tenant-month (issue 16). */
@ApiTags('billing-office')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ReopenMonthController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('month-reopenings')
  @Roles(...REOPEN_MONTH_POLICY.roles)
  @CommandEndpoint({
    summary: 'Reopen a closed month',
    description:
      'Appends MonthReopened with the reason (privileged and logged: the event records who, when and why). ' +
      'Later charges need a new close. Refusals: BILLING.REASON_REQUIRED (400), BILLING.NOT_CLOSED (409). ' +
      'Roles: admin.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: ReopenMonthRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<ReopenMonthCommand, CommandOutcome>(
      new ReopenMonthCommand(req, body),
    );
    return respond(res, outcome);
  }
}
