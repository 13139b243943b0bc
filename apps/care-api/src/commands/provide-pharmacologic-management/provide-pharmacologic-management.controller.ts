import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { ProvidePharmacologicManagementCommand } from './provide-pharmacologic-management.command';
import { PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY } from './provide-pharmacologic-management.handler';
import { ProvidePharmacologicManagementRequest } from './provide-pharmacologic-management.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/pharmacologic-management`: Record pharmacologic management at a psychotherapy encounter. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ProvidePharmacologicManagementController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/pharmacologic-management')
  @Roles(...PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record pharmacologic management at a psychotherapy encounter',
    description: 'Appends PharmacologicManagementProvided. Roles: practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: ProvidePharmacologicManagementRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<ProvidePharmacologicManagementCommand, CommandOutcome>(
      new ProvidePharmacologicManagementCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
