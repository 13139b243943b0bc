import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
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
  @HttpCode(201)
  @Roles(...VOID_CARE_TIME_POLICY.roles)
  @ApiOperation({
    summary: 'Withdraw a time entry',
    description: 'Appends CareTimeVoided. Roles: care_manager, practitioner.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retried request with the same key and body returns the first response',
  })
  @ApiCreatedResponse({ type: AppendedResponse })
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
