import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { RegisterPractitionerCommand } from './register-practitioner.command';
import { REGISTER_PRACTITIONER_POLICY } from './register-practitioner.handler';
import { RegisterPractitionerRequest } from './register-practitioner.request';

/** `POST /v1/tenants/{tenantId}/practitioners`: Register a practitioner or staff member (reference data). */
@ApiTags('reference-data')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class RegisterPractitionerController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('practitioners')
  @Roles(...REGISTER_PRACTITIONER_POLICY.roles)
  @CommandEndpoint({
    summary: 'Register a practitioner or staff member (reference data)',
    description: 'Appends PractitionerRegistered. Roles: admin.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: RegisterPractitionerRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<RegisterPractitionerCommand, CommandOutcome>(
      new RegisterPractitionerCommand(req, body),
    );
    return respond(res, outcome);
  }
}
