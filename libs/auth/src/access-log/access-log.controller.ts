import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ProblemError } from '@careledger/http';
import { CurrentPrincipal, Roles } from '../auth.decorators';
import type { Principal, Role } from '../principal';
import { AccessLogged } from './access-log.decorator';
import { type AccessLogQuery, type AccessLogRecord, AccessLogRepository } from './access-log.repository';

/** Roles that may read the access log. */
export const ACCESS_LOG_READER_ROLES: Role[] = ['auditor'];

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function queryOf(raw: Record<string, unknown>): AccessLogQuery {
  const errors: { field: string; message: string }[] = [];
  const str = (name: string, pattern: RegExp): string | undefined => {
    const v = raw[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || !pattern.test(v)) {
      errors.push({ field: name, message: 'is not a valid value' });
      return undefined;
    }
    return v;
  };
  const q: AccessLogQuery = {
    subject: str('subject', ID),
    patientId: str('patientId', ID),
    action: str('action', /^[A-Za-z0-9._:/ -]{1,200}$/),
    from: str('from', INSTANT),
    to: str('to', INSTANT),
    afterId: str('afterId', /^\d{1,19}$/),
  };
  const limit = str('limit', /^\d{1,4}$/);
  if (limit !== undefined) {
    const n = Number(limit);
    if (n < 1 || n > 1000) errors.push({ field: 'limit', message: 'must be between 1 and 1000' });
    else q.limit = n;
  }
  if (errors.length > 0) throw ProblemError.badRequest('ACCESS_LOG.BAD_QUERY', errors);
  return q;
}

/**
 * `GET /v1/tenants/{tenantId}/access-log`: the tenant's access-log entries for auditors, oldest first,
 * keyset-paginated (`afterId` = the last `id` seen; `nextAfterId` is null on the last page). Reading
 * the access log is itself an access and is logged. Another tenant's log is a 404, like any other
 * tenant's resource.
 */
@ApiTags('access-log')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/access-log')
export class AccessLogController {
  constructor(private readonly repository: AccessLogRepository) {}

  @Get()
  @Roles(...ACCESS_LOG_READER_ROLES)
  @AccessLogged('access_log.read')
  @ApiOperation({ summary: 'Who read which patient-level data, exports and replays, and when (auditors)' })
  @ApiQuery({ name: 'subject', required: false })
  @ApiQuery({ name: 'patientId', required: false })
  @ApiQuery({ name: 'action', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'instant with offset, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'instant with offset, exclusive' })
  @ApiQuery({ name: 'afterId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 100' })
  @ApiOkResponse({ description: '{ items: AccessLogRecord[], nextAfterId: string | null }' })
  async list(
    @Param('tenantId') tenantId: string,
    @Query() raw: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: AccessLogRecord[]; nextAfterId: string | null }> {
    // Defence in depth: the auth guard already enforces both; a misconfigured module must not leak.
    if (principal.tenantId !== tenantId) {
      throw ProblemError.notFound('TENANT.NOT_FOUND', 'No such tenant.');
    }
    if (!principal.roles.some((role) => ACCESS_LOG_READER_ROLES.includes(role))) {
      throw new ProblemError(403, 'AUTH.FORBIDDEN', 'The access log is readable by auditors only.');
    }
    const q = queryOf(raw);
    const items = await this.repository.query(tenantId, q);
    const limit = q.limit ?? 100;
    return { items, nextAfterId: items.length === limit ? items[items.length - 1]!.id : null };
  }
}
