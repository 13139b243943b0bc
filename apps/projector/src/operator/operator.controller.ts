import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { DeadLetterRetryError, type DeadLetterRetryResult } from '@careledger/read-models';
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
      '{ version, items: [{ topic, partition, offset, eventId, tenantId, globalPosition, errorCode, error, ' +
      'retriedAt, retryOutcome, retryErrorCode, retryCount, resolvedAt }] }',
  })
  deadLetters(@CurrentPrincipal() p: Principal, @Query('limit') limit?: string) {
    const n = limit === undefined ? 200 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw ProblemError.badRequest('REQUEST.INVALID', [
        { field: 'limit', message: 'must be an integer 1-1000' },
      ]);
    return this.operator.deadLetters(p.tenantId, n);
  }

  @Post('dead-letters/:id/retry')
  @HttpCode(200)
  @Roles('admin')
  @ApiParam({ name: 'id', description: '`<partition>-<offset>` of a dead letter of the active version' })
  @ApiOperation({
    summary:
      'Retry one dead letter (ADR 1401): its message is read back from the events topic and applied through ' +
      "the projector's batch path. 200 { outcome: applied | failed-again, retryErrorCode, ... }; the caller's " +
      "tenant's dead letters and those without a readable tenant only. 404 PROJECTOR.DEAD_LETTER_NOT_FOUND, " +
      '409 PROJECTOR.DEAD_LETTER_RESOLVED, 403 PROJECTOR.DEAD_LETTER_OTHER_TENANT.',
  })
  @ApiOkResponse({
    description:
      '{ outcome, version, topic, partition, offset, eventId, retryErrorCode, retriedAt, retryCount, applied, recomputedMonths }',
  })
  async retry(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<DeadLetterRetryResult> {
    const m = /^(\d{1,9})-(\d{1,18})$/.exec(id);
    if (!m)
      throw ProblemError.badRequest('REQUEST.INVALID', [
        { field: 'id', message: 'must be <partition>-<offset> (two non-negative integers)' },
      ]);
    try {
      return await this.operator.retryDeadLetter(p.sub, p.tenantId, Number(m[1]), BigInt(m[2]!).toString());
    } catch (err) {
      if (err instanceof DeadLetterRetryError) {
        const status =
          err.code === 'PROJECTOR.DEAD_LETTER_NOT_FOUND'
            ? 404
            : err.code === 'PROJECTOR.DEAD_LETTER_RESOLVED'
              ? 409
              : 403;
        throw new ProblemError(status, err.code, err.message);
      }
      throw err;
    }
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
