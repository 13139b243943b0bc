import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { AmendCareTimeCommand } from './amend-care-time.command';
import { AMEND_CARE_TIME_POLICY } from './amend-care-time.handler';
import { AmendCareTimeRequest } from './amend-care-time.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/care-time/{entryId}/amendments`: Correct a time entry. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class AmendCareTimeController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/care-time/:entryId/amendments')
  @Roles(...AMEND_CARE_TIME_POLICY.roles)
  @CommandEndpoint({
    summary: 'Correct a time entry',
    description: 'Appends CareTimeAmended. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Param('entryId') entryId: string,
    @Body() body: AmendCareTimeRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<AmendCareTimeCommand, CommandOutcome>(
      new AmendCareTimeCommand(req, patientId, entryId, body),
    );
    return respond(res, outcome);
  }
}
