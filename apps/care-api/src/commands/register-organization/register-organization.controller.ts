import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../../shared/command-context';
import { AppendedResponse, respond, type CommandOutcome } from '../../shared/command-outcome';
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
  @HttpCode(201)
  @Roles(...REGISTER_ORGANIZATION_POLICY.roles)
  @ApiOperation({
    summary: 'Register an organization (reference data)',
    description: 'Appends OrganizationRegistered. Roles: admin.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retried request with the same key and body returns the first response',
  })
  @ApiCreatedResponse({ type: AppendedResponse })
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
