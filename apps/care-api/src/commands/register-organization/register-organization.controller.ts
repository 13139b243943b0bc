import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
import { CommandEndpoint } from '../../shared/command-endpoint.decorator';
import { RegisterOrganizationCommand } from './register-organization.command';
import { REGISTER_ORGANIZATION_POLICY } from './register-organization.handler';
import { RegisterOrganizationRequest } from './register-organization.request';

/** `POST /v1/tenants/{tenantId}/organizations`: Register an organization (reference data). */
@ApiTags('reference-data')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class RegisterOrganizationController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('organizations')
  @Roles(...REGISTER_ORGANIZATION_POLICY.roles)
  @CommandEndpoint({
    summary: 'Register an organization (reference data)',
    description: 'Appends OrganizationRegistered. Roles: admin.',
  })
  async handle(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: RegisterOrganizationRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    const outcome = await this.commandBus.execute<RegisterOrganizationCommand, CommandOutcome>(
      new RegisterOrganizationCommand(req, body),
    );
    return respond(res, outcome);
  }
}
