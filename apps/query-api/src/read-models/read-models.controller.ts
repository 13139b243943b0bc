import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Request, Response } from 'express';
import { AccessLogged, CurrentPrincipal, type Principal, Roles } from '@careledger/auth';
import {
  ProjectionConsistencyInterceptor,
  readVersionOf,
} from '../consistency/projection-consistency.interceptor';
import { ListQueryDto } from './list-query.dto';
import { READ_MODELS, type ReadModelSpec } from './read-model.catalog';
import { type Page, ReadModelQueryService } from './read-model-query.service';

function spec(path: string): ReadModelSpec {
  const s = READ_MODELS.find((m) => m.path === path);
  if (!s) throw new Error(`no read model ${path}`);
  return s;
}
const MM = spec('monthly-minutes');
const BL = spec('billing-lines');
const XE = spec('excluded-entries');
const POR = spec('provider-of-record');
const EL = spec('eligibility');
const WL = spec('worklist');
const CF = spec('conflicts');
const CP = spec('care-plan-versions');

const CSV_PAGE = 1_000;
const CSV_MAX_ROWS = 1_000_000;

/**
 * The read models, filtered and paginated (`limit` + opaque `cursor`), each readable by the roles of
 * issue 8, plus CSV exports of billing lines and monthly minutes. Every route answers with the
 * projection headers (`X-Projection-Position`, lag) and honours `minPosition`.
 */
@ApiTags('read-models')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
@UseInterceptors(ProjectionConsistencyInterceptor)
export class ReadModelsController {
  constructor(private readonly query: ReadModelQueryService) {}

  private list(
    s: ReadModelSpec,
    tenantId: string,
    q: ListQueryDto,
    p: Principal,
    req: Request,
  ): Promise<Page> {
    return this.query.list(s, tenantId, readVersionOf(req), q, p);
  }

  private async csv(
    s: ReadModelSpec,
    tenantId: string,
    q: ListQueryDto,
    p: Principal,
    req: Request,
    res: Response,
  ) {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${s.path}-${tenantId}${q.month ? `-${q.month}` : ''}.csv"`,
    );
    const version = readVersionOf(req);
    const first = await this.query.list(s, tenantId, version, { ...q, limit: CSV_PAGE }, p);
    const columns = first.items[0]
      ? Object.keys(first.items[0])
      : s.columns.map((c) => c.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase()));
    const out = stringify({
      header: true,
      columns,
      cast: {
        object: (v) =>
          Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join(';') : JSON.stringify(v),
        boolean: (v) => (v ? 'true' : 'false'),
      },
    });
    out.pipe(res);
    let page = first;
    let rows = 0;
    for (;;) {
      for (const item of page.items) {
        if (!out.write(item)) await new Promise((resolve) => out.once('drain', resolve));
      }
      rows += page.items.length;
      if (!page.nextCursor || rows >= CSV_MAX_ROWS) break;
      page = await this.query.list(
        s,
        tenantId,
        version,
        { ...q, limit: CSV_PAGE, cursor: page.nextCursor },
        p,
      );
    }
    out.end();
    await new Promise((resolve) => res.once('finish', resolve));
  }

  @Get('monthly-minutes')
  @Roles(...MM.roles)
  @AccessLogged('monthly_minutes.read')
  @ApiOperation({ summary: MM.summary })
  @ApiOkResponse({ description: '{ items, nextCursor }' })
  monthlyMinutes(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(MM, t, q, p, r);
  }

  @Get('monthly-minutes.csv')
  @Roles('billing', 'auditor', 'analyst')
  @AccessLogged('monthly_minutes.export')
  @ApiOperation({ summary: `CSV export: ${MM.summary}` })
  @ApiProduces('text/csv')
  monthlyMinutesCsv(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
    @Res() res: Response,
  ) {
    return this.csv(MM, t, q, p, r, res);
  }

  @Get('billing-lines')
  @Roles(...BL.roles)
  @AccessLogged('billing_lines.read')
  @ApiOperation({ summary: BL.summary })
  billingLines(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(BL, t, q, p, r);
  }

  @Get('billing-lines.csv')
  @Roles(...BL.roles)
  @AccessLogged('billing_lines.export')
  @ApiOperation({ summary: `CSV export: ${BL.summary}` })
  @ApiProduces('text/csv')
  billingLinesCsv(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
    @Res() res: Response,
  ) {
    return this.csv(BL, t, q, p, r, res);
  }

  @Get('excluded-entries')
  @Roles(...XE.roles)
  @AccessLogged('excluded_entries.read')
  @ApiOperation({ summary: XE.summary })
  excludedEntries(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(XE, t, q, p, r);
  }

  @Get('provider-of-record')
  @Roles(...POR.roles)
  @AccessLogged('provider_of_record.read')
  @ApiOperation({ summary: POR.summary })
  providerOfRecord(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(POR, t, q, p, r);
  }

  @Get('eligibility')
  @Roles(...EL.roles)
  @AccessLogged('eligibility.read')
  @ApiOperation({ summary: EL.summary })
  eligibility(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(EL, t, q, p, r);
  }

  @Get('worklist')
  @Roles(...WL.roles)
  @AccessLogged('worklist.read')
  @ApiOperation({ summary: WL.summary })
  worklist(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(WL, t, q, p, r);
  }

  @Get('conflicts')
  @Roles(...CF.roles)
  @AccessLogged('conflicts.read')
  @ApiOperation({ summary: CF.summary })
  conflicts(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(CF, t, q, p, r);
  }

  @Get('care-plan-versions')
  @Roles(...CP.roles)
  @AccessLogged('care_plan_versions.read')
  @ApiOperation({ summary: CP.summary })
  carePlanVersions(
    @Param('tenantId') t: string,
    @Query() q: ListQueryDto,
    @CurrentPrincipal() p: Principal,
    @Req() r: Request,
  ) {
    return this.list(CP, t, q, p, r);
  }
}
