import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { assertTenant, CurrentPrincipal, Roles, type Principal } from '@careledger/auth';
import { correlationIdOf, ProblemError } from '@careledger/http';
import { parseReplayOptions, ReplayArgumentError, type ReplayOptions } from '../replay/replay-options';
import { AuditReplayService } from './audit-replay.service';
import { ReplayRequestDto } from './replay-request.dto';

const HTTP_FIELD: Record<string, string> = { tenant: 'tenantId', patient: 'patientId' };

/** Replays for auditors: run (or start) a replay, poll a job, list the audit records. */
@ApiTags('replays')
@ApiBearerAuth()
@Roles('auditor')
@Controller('v1/tenants/:tenantId/replays')
export class ReplaysController {
  constructor(private readonly replays: AuditReplayService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay a tenant-month as of a knowledge time',
    description:
      'Returns the report (200) for small tenants or one patient; for large tenants, or with `Prefer: respond-async`, ' +
      'returns 202 with a job to poll. Every replay is recorded in the append-only audit_replays table.',
  })
  @ApiOkResponse({ description: 'The replay report (JSON or CSV as requested)' })
  @ApiAcceptedResponse({ description: 'A replay job: poll `Location`' })
  async replay(
    @Param('tenantId') tenantId: string,
    @Body() body: ReplayRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('prefer') prefer: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    assertTenant(principal, tenantId);
    const options = toOptions(tenantId, body);
    const outcome = await this.replays.request(
      options,
      {
        subject: principal.sub,
        roles: principal.roles,
        channel: 'http',
        correlationId: correlationIdOf(req) ?? null,
      },
      /\brespond-async\b/i.test(prefer ?? ''),
    );
    if (outcome.kind === 'job') {
      const location = `/v1/tenants/${tenantId}/replays/${outcome.jobId}`;
      res.status(202).location(location).json({ jobId: outcome.jobId, status: 'running', location });
      return;
    }
    res.status(200).setHeader('X-Replay-Id', outcome.replayId);
    res.type(outcome.contentType).send(outcome.body);
  }

  @Get(':jobId')
  @ApiOperation({
    summary: 'A replay job: 202 while running; 200 with the report (or the error) when finished',
  })
  async job(
    @Param('tenantId') tenantId: string,
    @Param('jobId') jobId: string,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    assertTenant(principal, tenantId);
    const job = /^[0-9a-f-]{36}$/i.test(jobId) ? await this.replays.records.findJob(tenantId, jobId) : null;
    if (!job) throw ProblemError.notFound('AUDIT.JOB_NOT_FOUND', 'No such replay job.');
    const { report, reportText, ...status } = job;
    if (job.status === 'running') {
      res.status(202).json(status);
      return;
    }
    res.status(200).json({ ...status, report: job.parameters.format === 'csv' ? reportText : report });
  }

  @Get()
  @ApiOperation({
    summary: "The audit records of the tenant's replays (who, when, parameters, digest), newest first",
  })
  async list(
    @Param('tenantId') tenantId: string,
    @CurrentPrincipal() principal: Principal,
    @Query('limit') limit?: string,
  ): Promise<{ replays: unknown[] }> {
    assertTenant(principal, tenantId);
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw ProblemError.badRequest('REQUEST.INVALID', [
        { field: 'limit', message: 'must be an integer 1-1000' },
      ]);
    }
    return { replays: await this.replays.records.list(tenantId, n) };
  }
}

function toOptions(tenantId: string, body: ReplayRequestDto): ReplayOptions {
  try {
    return parseReplayOptions({
      tenant: tenantId,
      month: body.month,
      asOf: body.asOf,
      source: body.source,
      rules: body.rules,
      patient: body.patientId,
      format: body.format,
    });
  } catch (err) {
    if (err instanceof ReplayArgumentError) {
      const field = HTTP_FIELD[err.field] ?? err.field;
      throw ProblemError.badRequest(err.code, [{ field, message: err.message.slice(err.field.length + 2) }]);
    }
    throw err;
  }
}
