import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../shared/command-context';
import { AppendedResponse, respond } from '../shared/command-outcome';
import { ImportEventsService } from './import-events.service';

/** Bulk import of contract events (admin): migrations and the conformance suite. */
@ApiTags('import')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
export class ImportEventsController {
  constructor(private readonly service: ImportEventsService) {}

  @Post('events\\:import')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'Import contract events',
    description:
      'A JSON array of contract events (EVENTS.md). Each is validated and checked against its stream; all are ' +
      'appended in one transaction (all or nothing). recordedAt is kept as given.',
  })
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: AppendedResponse })
  async import(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AppendedResponse> {
    return respond(res, await this.service.import(req, body));
  }
}
