import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { SupplyDigitalTherapyCommand } from './supply-digital-therapy.command';
import { SUPPLY_DIGITAL_THERAPY_POLICY } from './supply-digital-therapy.handler';
import { SupplyDigitalTherapyRequest } from './supply-digital-therapy.request';

/** `POST /v1/tenants/{tenantId}/patients/{patientId}/digital-therapy`: Record a digital mental health treatment device supplied for a course. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class SupplyDigitalTherapyController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients/:patientId/digital-therapy')
  @Roles(...SUPPLY_DIGITAL_THERAPY_POLICY.roles)
  @CommandEndpoint({
    summary: 'Record a digital mental health treatment device supplied for a course',
    description: 'Appends DigitalTherapySupplied. Roles: care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Param('patientId') patientId: string,
    @Body() body: SupplyDigitalTherapyRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<SupplyDigitalTherapyCommand, CommandOutcome>(
      new SupplyDigitalTherapyCommand(req, patientId, body),
    );
    return respond(res, outcome);
  }
}
