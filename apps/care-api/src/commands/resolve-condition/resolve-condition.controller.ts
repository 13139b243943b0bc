import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { ResolveConditionCommand } from './resolve-condition.command';
import { RESOLVE_CONDITION_POLICY } from './resolve-condition.handler';
import { ResolveConditionRequest } from './resolve-condition.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/conditions/{conditionId}/resolve`: Record that a condition is resolved. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ResolveConditionController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/conditions/:conditionId/resolve')
  @Roles(...RESOLVE_CONDITION_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record that a condition is resolved',
    description: 'Appends ConditionResolved. Roles: practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Param('conditionId') conditionId: string,
    @Body() body: ResolveConditionRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<ResolveConditionCommand, CommandOutcome>(
      new ResolveConditionCommand(req, patientId, conditionId, body),
    );
    return respond(res, outcome);
  }
}
