import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { ProvidePsychotherapyCommand } from './provide-psychotherapy.command';
import { PROVIDE_PSYCHOTHERAPY_POLICY } from './provide-psychotherapy.handler';
import { ProvidePsychotherapyRequest } from './provide-psychotherapy.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/psychotherapy`: Record psychotherapy with an E/M visit. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ProvidePsychotherapyController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/psychotherapy')
  @Roles(...PROVIDE_PSYCHOTHERAPY_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record psychotherapy with an E/M visit',
    description: 'Appends PsychotherapyProvided. Roles: practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: ProvidePsychotherapyRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<ProvidePsychotherapyCommand, CommandOutcome>(
      new ProvidePsychotherapyCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
