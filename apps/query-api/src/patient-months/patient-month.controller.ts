import { Controller, Get, Param, Query, Req, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Matches, Min } from 'class-validator';
import type { Request } from 'express';
import { AccessLogged, CurrentPrincipal, type Principal, Roles } from '@careledger/auth';
import { ProblemError } from '@careledger/http';
import {
  ProjectionConsistencyInterceptor,
  readVersionOf,
} from '../consistency/projection-consistency.interceptor';
import { PatientMonthService } from './patient-month.service';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** Query of the month endpoint. */
export class MonthQueryDto {
  @ApiPropertyOptional({
    description: 'Knowledge time: evaluate with the events recorded at or before it',
    example: '2025-04-01T00:00:00Z',
  })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, {
    message: 'asOf must be an ISO-8601 instant with an offset',
  })
  // The pattern admits 2025-02-30: a date that does not exist answered 500 (found by the store fuzz).
  @IsISO8601({ strict: true }, { message: 'asOf must be an ISO-8601 instant on a date that exists' })
  asOf?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** A patient's month determination (shared/conformance/README.md "Output of an evaluation"). */
@ApiTags('patient-months')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/patients/:patientId/months')
@UseInterceptors(ProjectionConsistencyInterceptor)
export class PatientMonthController {
  constructor(private readonly months: PatientMonthService) {}

  @Get(':month')
  @Roles('billing', 'auditor', 'practitioner', 'care_manager')
  @AccessLogged('patient_month.read')
  @ApiOperation({
    summary: 'The month determination of a patient (stored; with asOf computed from the events known then)',
  })
  @ApiOkResponse({
    description:
      'patientId, month, rulesVersion, lines, providerOfRecord, eligibility, excludedEntries, flags',
  })
  get(
    @Param('tenantId') tenantId: string,
    @Param('patientId') patientId: string,
    @Param('month') month: string,
    @Query() q: MonthQueryDto,
    @Req() req: Request,
    @CurrentPrincipal() principal: Principal,
  ): Promise<unknown> {
    const problems = [];
    if (!MONTH.test(month)) problems.push({ field: 'month', message: 'must be YYYY-MM' });
    if (!ID.test(patientId)) problems.push({ field: 'patientId', message: 'must be an id' });
    if (problems.length > 0) throw ProblemError.badRequest('REQUEST.INVALID', problems);
    return this.months.get(tenantId, patientId, month, readVersionOf(req), q.asOf ?? null, principal);
  }
}
