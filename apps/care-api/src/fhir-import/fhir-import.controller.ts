import { Body, Controller, HttpCode, Post, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { Response } from 'express';
import { Roles } from '@careledger/auth';
import { CommandRequestParam, type CommandRequest } from '../shared/command-context';
import { FhirImportOutcomeFilter } from './fhir-outcome.filter';
import { FhirImportService } from './fhir-import.service';

/** The FHIR base path, the same as query-api's (ADR 1110, 1113). */
export const FHIR_IMPORT_PATH = 'fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * `POST /fhir/R4` with a `transaction` Bundle (ADR 1113): the write half of the FHIR base. query-api
 * serves the base and forwards this request here unchanged, so the import runs through care-api's
 * deciders, policies, idempotency and event store. Answers a `transaction-response` Bundle.
 */
// Documented by query-api's CapabilityStatement (the FHIR base's description), not by OpenAPI.
@ApiExcludeController()
@Controller(FHIR_IMPORT_PATH)
@UseFilters(FhirImportOutcomeFilter)
export class FhirImportController {
  constructor(private readonly service: FhirImportService) {}

  @Post()
  @HttpCode(200)
  // Each entry is then checked against its own command's policy (an Organization needs admin, ...).
  @Roles('admin', 'care_manager', 'practitioner')
  async transaction(
    @CommandRequestParam() req: CommandRequest,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Bundle> {
    const { outcome, results } = await this.service.import(
      { ...req, tenantId: req.principal.tenantId },
      body,
    );
    res.type(FHIR_JSON);
    if (outcome) {
      res.setHeader('X-Global-Position', String(outcome.body.globalPosition));
      if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
    }
    const now = new Date().toISOString();
    const entry: BundleEntry[] = results.map((r) => ({
      response: r.created
        ? { status: '201 Created', location: `${r.resourceType}/${r.id}`, lastModified: now }
        : { status: '200 OK', location: `${r.resourceType}/${r.id}` },
    }));
    return { resourceType: 'Bundle', type: 'transaction-response', entry };
  }
}
