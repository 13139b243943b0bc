import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { RegisterPatientCommand } from './register-patient.command';
import { REGISTER_PATIENT_POLICY } from './register-patient.handler';
import { RegisterPatientRequest } from './register-patient.request';

/** `POST /v1/tenants/{tenantId}/patients`: Register a patient with a home organization. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class RegisterPatientController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('patients')
  @Roles(...REGISTER_PATIENT_POLICY.roles)
  @CommandEndpoint({
    summary: 'Register a patient with a home organization',
    description: 'Appends PatientRegistered. Roles: admin, care_manager, practitioner.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: RegisterPatientRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<RegisterPatientCommand, CommandOutcome>(
      new RegisterPatientCommand(req, body),
    );
    return respond(res, outcome);
  }
}
