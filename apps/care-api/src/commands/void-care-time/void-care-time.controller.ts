import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { VoidCareTimeCommand } from './void-care-time.command';
import { VOID_CARE_TIME_POLICY } from './void-care-time.handler';
import { VoidCareTimeRequest } from './void-care-time.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/care-time/{entryId}/void`: Withdraw a time entry. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class VoidCareTimeController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/care-time/:entryId/void')
  @Roles(...VOID_CARE_TIME_POLICY.roles)
  @CommandEndpoint({
    summary: 'Withdraw a time entry',
    description: 'Appends CareTimeVoided. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Param('entryId') entryId: string,
    @Body() body: VoidCareTimeRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<VoidCareTimeCommand, CommandOutcome>(
      new VoidCareTimeCommand(req, patientId, entryId, body),
    );
    return respond(res, outcome);
  }
}
