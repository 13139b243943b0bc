import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { CloseMonthCommand } from './close-month.command';
import { CLOSE_MONTH_POLICY } from './close-month.handler';
import { CloseMonthRequest } from './close-month.request';

/** `POST /v1/tenants/{tenantId}/month-closes`: close a tenant-month (issue 16). */
@ApiTags('billing-office')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class CloseMonthController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('month-closes')
  @Roles(...CLOSE_MONTH_POLICY.roles)
  @CommandEndpoint({
    summary: 'Close a month',
    description:
      'Appends one MonthClosed per organization (docs/contract/MONTH-CLOSE.md) on the tenant stream: the ' +
      "month's lines from the replay as of now, frozen as sent, and the replay digest. Refusals: " +
      'BILLING.BAD_MONTH, BILLING.UNKNOWN_ORGANIZATION (400), BILLING.MONTH_NOT_OVER, ' +
      'BILLING.ALREADY_CLOSED (409). Roles: billing.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: CloseMonthRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<CloseMonthCommand, CommandOutcome>(
      new CloseMonthCommand(req, body),
    );
    return respond(res, outcome);
  }
}
