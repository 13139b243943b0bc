import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { GrantConsentCommand } from './grant-consent.command';
import { GRANT_CONSENT_POLICY } from './grant-consent.handler';
import { GrantConsentRequest } from './grant-consent.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/consents`: Record a patient's consent to a program. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class GrantConsentController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/consents')
  @Roles(...GRANT_CONSENT_POLICY.roles)
  @CommandEndpoint({
    summary: "Record a patient's consent to a program",
    description: 'Appends ConsentGranted. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: GrantConsentRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<GrantConsentCommand, CommandOutcome>(
      new GrantConsentCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
