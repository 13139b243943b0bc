import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { DiagnoseConditionCommand } from './diagnose-condition.command';
import { DIAGNOSE_CONDITION_POLICY } from './diagnose-condition.handler';
import { DiagnoseConditionRequest } from './diagnose-condition.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/conditions`: Record a diagnosis. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class DiagnoseConditionController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/conditions')
  @Roles(...DIAGNOSE_CONDITION_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record a diagnosis',
    description: 'Appends ConditionDiagnosed. Roles: practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: DiagnoseConditionRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<DiagnoseConditionCommand, CommandOutcome>(
      new DiagnoseConditionCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
