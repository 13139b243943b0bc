import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
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
  @HttpCode(201)
  @Roles(...REGISTER_PATIENT_POLICY.roles)
  @ApiOperation({
    summary: 'Register a patient with a home organization',
    description: 'Appends PatientRegistered. Roles: admin, care_manager, practitioner.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retried request with the same key and body returns the first response',
  })
  @ApiCreatedResponse({ type: AppendedResponse })
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
