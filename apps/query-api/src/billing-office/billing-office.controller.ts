import { Controller, Get, Inject, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import { AccessLogged, Roles } from '@careledger/auth';
import { ProblemError } from '@careledger/http';
import {
  ProjectionConsistencyInterceptor,
  readVersionOf,
} from '../consistency/projection-consistency.interceptor';
import { CLOCK, type Clock } from '../read-models/read-model-query.service';
import { billingOfficeCsvRows, BillingOfficeService, type OrganizationMonth } from './billing-office.service';

export class BillingOfficeQueryDto {
  @ApiPropertyOptional({ description: 'Month (YYYY-MM), required', example: '2026-10' })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(0)
  minPosition?: number;
}

/** The billing office's month: open, closed, sent, acknowledged, restated; totals; open restatements. */
@ApiTags('billing-office')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId')
@UseInterceptors(ProjectionConsistencyInterceptor)
export class BillingOfficeController {
  constructor(
    private readonly office: BillingOfficeService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private read(tenantId: string, q: BillingOfficeQueryDto, req: Request): Promise<OrganizationMonth[]> {
    if (!q.month)
      throw ProblemError.badRequest('REQUEST.INVALID', [
        { field: 'month', message: 'is required (YYYY-MM)' },
      ]);
    return this.office.month(tenantId, q.month, readVersionOf(req), this.clock());
  }

  @Get('billing-office')
  @Roles('billing', 'auditor')
  @AccessLogged('billing_office.read')
  @ApiOperation({
    summary: 'Per organization: month status, totals per code, open restatements with their age',
  })
  @ApiOkResponse({
    description:
      '{ items: [{ organizationId, month, status, closeId, closedAt, replayDigest, messages, totals, ' +
      'openRestatements (the charge feed), changesSinceClose (live: the projected lines against the ' +
      'close, reverse/add/explanation, the same function as the audit replay restatements) }] }',
  })
  async get(@Param('tenantId') tenantId: string, @Query() q: BillingOfficeQueryDto, @Req() req: Request) {
    return { items: await this.read(tenantId, q, req) };
  }

  @Get('billing-office.csv')
  @Roles('billing', 'auditor')
  @AccessLogged('billing_office.export')
  @ApiOperation({ summary: 'The billing-office view as CSV, one row per organization and code' })
  @ApiProduces('text/csv')
  async csv(
    @Param('tenantId') tenantId: string,
    @Query() q: BillingOfficeQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const rows = billingOfficeCsvRows(await this.read(tenantId, q, req));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="billing-office-${tenantId}-${q.month}.csv"`);
    res.send(
      stringify(rows, {
        header: true,
        columns: [
          'organizationId',
          'month',
          'status',
          'closeId',
          'code',
          'closedUnits',
          'acknowledgedUnits',
          'messagesAcknowledged',
          'messagesPending',
          'messagesDeadLettered',
          'openRestatements',
          'oldestOpenRestatementHours',
        ],
      }),
    );
  }
}
