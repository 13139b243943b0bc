import { Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import {
  ACCESS_LOG_READER_ROLES,
  AccessLogged,
  CurrentPrincipal,
  type Principal,
  Roles,
} from '@careledger/auth';
import { FhirAuditEventService } from './fhir-audit-event.service';
import { FhirOutcomeFilter } from './fhir-outcome.filter';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * `/fhir/R4/AuditEvent` (ADR 1117): the access log as AuditEvents, for the access log's own readers
 * (auditors, ADR 0801) and nobody else. Registered before FhirController so that its `:type` routes
 * (other readers) never answer for AuditEvent. Reading it is itself logged.
 */
@ApiExcludeController()
@Controller('fhir/R4/AuditEvent')
@UseFilters(FhirOutcomeFilter)
export class FhirAuditEventController {
  constructor(private readonly audit: FhirAuditEventService) {}

  @Get()
  @Roles(...ACCESS_LOG_READER_ROLES)
  @AccessLogged('fhir.audit_event.search')
  async search(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Bundle> {
    const base = `${req.protocol}://${req.get('host')}/fhir/R4`;
    const bundle = await this.audit.search(principal.tenantId, req.query, base);
    res.type(FHIR_JSON);
    return bundle;
  }

  @Get(':id')
  @Roles(...ACCESS_LOG_READER_ROLES)
  @AccessLogged('fhir.audit_event.read')
  async read(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuditEvent> {
    const event = await this.audit.read(principal.tenantId, id);
    res.type(FHIR_JSON);
    return event;
  }
}
