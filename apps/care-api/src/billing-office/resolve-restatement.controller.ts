import { Body, Controller, HttpCode, Inject, Logger, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { CurrentPrincipal, type Principal, Roles } from '@careledger/auth';
import { MAX_RESOLUTION_REASON, resolutionReasonProblem, resolveRestatement } from '@careledger/charge-feed';
import { PG_POOL, ProblemError } from '@careledger/http';

const ID = /^[A-Za-z0-9._:@-]{1,200}$/;

/** Body of the resolve route. */
export interface ResolveRestatementBody {
  reason?: unknown;
}

/**
 * `POST /v1/tenants/{t}/restatements/{id}/resolve` (issue 16: a restatement "is resolved by the
 * charge feed or by hand with a reason"): the HTTP twin of `careledger charges resolve`, through
 * the same `resolveRestatement` of libs/charge-feed. Who (the token's subject) and why are kept on
 * the restatement row (as for the CLI), and the resolve is logged without patient data. care-api has
 * no access log (query-api and audit have); the row is the record.
 */
@ApiTags('billing-office')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/restatements')
export class ResolveRestatementController {
  private readonly log = new Logger('ResolveRestatement');

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Post(':restatementId/resolve')
  @HttpCode(200)
  @Roles('billing')
  @ApiOperation({
    summary: 'Resolve an open restatement by hand, with a reason (the site corrected the claim itself)',
    description:
      'The same function as `careledger charges resolve`. Refusals: REQUEST.INVALID (400, naming reason or ' +
      'restatementId), BILLING.RESTATEMENT_NOT_OPEN (404: unknown, acknowledged or already resolved). Roles: billing.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: { reason: { type: 'string', maxLength: MAX_RESOLUTION_REASON } },
    },
  })
  @ApiOkResponse({ description: '{ restatementId, status: "resolved", resolvedBy, reason }' })
  async resolve(
    @Param('tenantId') tenantId: string,
    @Param('restatementId') restatementId: string,
    @Body() body: ResolveRestatementBody,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ restatementId: string; status: 'resolved'; resolvedBy: string; reason: string }> {
    const problems = [];
    if (!ID.test(restatementId))
      problems.push({ field: 'restatementId', message: 'must be a restatement id' });
    const reasonProblem = resolutionReasonProblem(body?.reason);
    if (reasonProblem) problems.push({ field: 'reason', message: reasonProblem });
    if (problems.length > 0) throw ProblemError.badRequest('REQUEST.INVALID', problems);
    const reason = (body.reason as string).trim();
    const by = principal.sub;
    if (!(await resolveRestatement(this.pool, tenantId, restatementId, by, reason))) {
      throw ProblemError.notFound(
        'BILLING.RESTATEMENT_NOT_OPEN',
        `${restatementId} is not an open restatement of ${tenantId}.`,
      );
    }
    // No patient data in the log: the restatement id embeds the patient id, so only the tenant and who.
    this.log.log({ msg: 'restatement resolved by hand', tenantId, by });
    return { restatementId, status: 'resolved', resolvedBy: by, reason };
  }
}
