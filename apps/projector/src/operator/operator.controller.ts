import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '@careledger/auth';
import { ProblemError } from '@careledger/http';
import { OperatorService, RebuildBusyError, type RebuildStatus } from './operator.service';

/** Admin-only projector routes of the operator screen: dead letters, and a rebuild with its progress. */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('v1/operator')
export class OperatorController {
  constructor(private readonly operator: OperatorService) {}

  @Get('dead-letters')
  @Roles('admin')
  @ApiOperation({
    summary:
      "Messages the projector parked on the dead-letter topic (active version): the caller's tenant and those without a readable tenant; ids and error codes only",
  })
  @ApiOkResponse({
    description:
      '{ version, items: [{ topic, partition, offset, eventId, tenantId, globalPosition, errorCode, error }] }',
  })
  deadLetters(@CurrentPrincipal() p: Principal, @Query('limit') limit?: string) {
    const n = limit === undefined ? 200 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw ProblemError.badRequest('REQUEST.INVALID', [
        { field: 'limit', message: 'must be an integer 1-1000' },
      ]);
    return this.operator.deadLetters(p.tenantId, n);
  }

  @Get('rebuild')
  @Roles('admin')
  @ApiOperation({
    summary: 'The last rebuild this projector started: state, phase, events done of total, result',
  })
  rebuild(): RebuildStatus {
    return this.operator.status();
  }

  @Post('rebuild')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Start a rebuild (the next version from offset 0 beside the live one, switch when caught up; the same code as ' +
      '`careledger projections rebuild`). Every message is read again, dead-lettered ones included. ' +
      '409 PROJECTIONS.REBUILD_IN_PROGRESS while one runs.',
  })
  async start(@CurrentPrincipal() p: Principal): Promise<RebuildStatus> {
    try {
      return await this.operator.startRebuild(p.sub);
    } catch (err) {
      if (err instanceof RebuildBusyError) throw new ProblemError(409, err.code, err.message);
      throw err;
    }
  }
}
