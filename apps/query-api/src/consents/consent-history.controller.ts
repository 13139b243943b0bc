import { Controller, Get, Param, Query, Req, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import type { Request } from 'express';
import { AccessLogged, CurrentPrincipal, type Principal, Roles } from '@careledger/auth';
import { ProblemError } from '@careledger/http';
import {
  ProjectionConsistencyInterceptor,
  readVersionOf,
} from '../consistency/projection-consistency.interceptor';
import { type ConsentHistory, ConsentHistoryService } from './consent-history.service';

/** Query of the consent history. */
export class ConsentQueryDto {
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

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** A patient's consents and their capture/revocation history (issue 14: "consent state and history"). */
@ApiTags('patient-months')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/patients/:patientId/consents')
@UseInterceptors(ProjectionConsistencyInterceptor)
export class ConsentHistoryController {
  constructor(private readonly consents: ConsentHistoryService) {}

  @Get()
  @Roles('billing', 'auditor', 'practitioner', 'care_manager')
  @AccessLogged('consent_history.read')
  @ApiOperation({
    summary:
      "A patient's consents (state at the month's end, in force during the month) and every capture and revocation with method, dates and who recorded it",
  })
  @ApiOkResponse({
    description:
      '{ patientId, month, consents: [{ consentId, program, billingPractitionerId, method, costSharingExplained, ' +
      'obtainedAt, revokedAt, episodeStartedOn, zone, stateAtMonthEnd (active|revoked|future), inForceDuringMonth }], ' +
      'history: [{ type (ConsentGranted|ConsentRevoked), consentId, program, method, effectiveAt, recordedAt, ' +
      'actor { userId, role, departmentId }, globalPosition, relation (before|during|after the month) }] }',
  })
  get(
    @Param('tenantId') tenantId: string,
    @Param('patientId') patientId: string,
    @Query() q: ConsentQueryDto,
    @Req() req: Request,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ConsentHistory> {
    const problems = [];
    if (!q.month) problems.push({ field: 'month', message: 'is required (YYYY-MM)' });
    if (!ID.test(patientId)) problems.push({ field: 'patientId', message: 'must be an id' });
    if (problems.length > 0 || !q.month) throw ProblemError.badRequest('REQUEST.INVALID', problems);
    return this.consents.get(tenantId, patientId, q.month, readVersionOf(req), principal);
  }
}
