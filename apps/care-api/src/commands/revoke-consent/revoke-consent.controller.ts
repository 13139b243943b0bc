import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { RevokeConsentCommand } from './revoke-consent.command';
import { REVOKE_CONSENT_POLICY } from './revoke-consent.handler';
import { RevokeConsentRequest } from './revoke-consent.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/consents/{consentId}/revoke`: Record the withdrawal of a consent. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class RevokeConsentController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/consents/:consentId/revoke')
  @Roles(...REVOKE_CONSENT_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record the withdrawal of a consent',
    description: 'Appends ConsentRevoked. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Param('consentId') consentId: string,
    @Body() body: RevokeConsentRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<RevokeConsentCommand, CommandOutcome>(
      new RevokeConsentCommand(req, patientId, consentId, body),
    );
    return respond(res, outcome);
  }
}
