import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { CompleteEncounterCommand } from './complete-encounter.command';
import { COMPLETE_ENCOUNTER_POLICY } from './complete-encounter.handler';
import { CompleteEncounterRequest } from './complete-encounter.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/encounters`: Record a completed visit. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class CompleteEncounterController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/encounters')
  @Roles(...COMPLETE_ENCOUNTER_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record a completed visit',
    description: 'Appends EncounterCompleted. Roles: practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: CompleteEncounterRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<CompleteEncounterCommand, CommandOutcome>(
      new CompleteEncounterCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
