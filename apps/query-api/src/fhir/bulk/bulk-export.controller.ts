import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Req,
  Res,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import { AccessLogged, CurrentPrincipal, type Principal, Roles } from '@careledger/auth';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG, ProblemError } from '@careledger/http';
import {
  ProjectionConsistencyInterceptor,
  readVersionOf,
} from '../../consistency/projection-consistency.interceptor';
import { isAnalystOnly } from '../../read-models/read-model-query.service';
import { FhirOutcomeFilter } from '../fhir-outcome.filter';
import { type ExportJob, ExportJobs } from './bulk-export.jobs';
import { parseExportRequest } from './bulk-export.params';
import { jobDir } from './bulk-export.worker';

/** Who may export: the FHIR readers, and analysts (who get pseudonymised files). */
const EXPORTERS = ['billing', 'auditor', 'practitioner', 'care_manager', 'analyst'] as const;
const base = (req: Request): string => `${req.protocol}://${req.get('host')}/fhir/R4`;
const gone = (id: string): ProblemError =>
  ProblemError.notFound('FHIR.EXPORT_NOT_FOUND', `No export ${id} of yours.`);

/** The Bulk Data manifest of a completed job (IG "Response - Complete Status"). */
function manifestOf(job: ExportJob, fhirBase: string): Record<string, unknown> {
  return {
    transactionTime: job.transaction_time!.toISOString(),
    request: job.request_url,
    requiresAccessToken: true,
    output: job.output.map((o) => ({
      type: o.type,
      url: `${fhirBase}/bulkfiles/${job.id}/${o.file}`,
      count: o.count,
    })),
    error: [],
  };
}

/**
 * FHIR Bulk Data Access `$export` (ADR 1118): kick-off at `/fhir/R4/$export` and
 * `/fhir/R4/Patient/$export` (202 + Content-Location), status at `bulkstatus/{id}` (202 + X-Progress,
 * then 200 + manifest; DELETE cancels), files at `bulkfiles/{id}/{Type}.ndjson` (streamed from disk).
 * A job belongs to the tenant and subject that started it: to anyone else it is not found.
 */
@ApiExcludeController()
@Controller('fhir/R4')
@UseFilters(FhirOutcomeFilter)
export class BulkExportController {
  constructor(
    private readonly jobs: ExportJobs,
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
  ) {}

  @Get('$export')
  @Roles(...EXPORTERS)
  @AccessLogged('fhir.export.kickoff')
  @UseInterceptors(ProjectionConsistencyInterceptor)
  @HttpCode(202)
  async system(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.kickOff('system', req, res, p);
  }

  @Get('Patient/$export')
  @Roles(...EXPORTERS)
  @AccessLogged('fhir.export.kickoff')
  @UseInterceptors(ProjectionConsistencyInterceptor)
  @HttpCode(202)
  async patient(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.kickOff('patient', req, res, p);
  }

  private async kickOff(
    kind: 'system' | 'patient',
    req: Request,
    res: Response,
    principal: Principal,
  ): Promise<OperationOutcome> {
    const { types, since } = parseExportRequest(req.query, req.get('prefer'));
    const id = await this.jobs.create({
      tenant_id: principal.tenantId,
      requested_by: principal.sub,
      roles: [...principal.roles],
      departments: [...principal.departments],
      pseudonymous: isAnalystOnly(principal),
      kind,
      types,
      since,
      model_version: readVersionOf(req),
      request_url: `${base(req)}${req.url.slice('/fhir/R4'.length)}`,
    });
    res.setHeader('Content-Location', `${base(req)}/bulkstatus/${id}`);
    res.type('application/fhir+json');
    return {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'information',
          code: 'informational',
          diagnostics: `Export ${id} accepted; poll Content-Location`,
        },
      ],
    };
  }

  @Get('bulkstatus/:id')
  @Roles(...EXPORTERS)
  @AccessLogged('fhir.export.status')
  async status(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<unknown> {
    const job = await this.jobs.get(id, principal.tenantId, principal.sub);
    if (!job || job.status === 'cancelled') throw gone(id);
    if (job.status === 'expired')
      throw new ProblemError(410, 'FHIR.EXPORT_EXPIRED', `Export ${id} expired; its files are deleted.`);
    if (job.status === 'failed')
      throw new ProblemError(500, job.error ?? 'FHIR.EXPORT_FAILED', `Export ${id} failed.`);
    if (job.status !== 'completed') {
      res.status(202).setHeader('X-Progress', job.progress ?? 'queued');
      res.setHeader('Retry-After', '1');
      return undefined;
    }
    res.setHeader('Expires', job.expires_at!.toUTCString());
    res.type('application/json');
    return manifestOf(job, base(req));
  }

  @Delete('bulkstatus/:id')
  @Roles(...EXPORTERS)
  @AccessLogged('fhir.export.cancel')
  @HttpCode(202)
  async cancel(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    const job = await this.jobs.get(id, principal.tenantId, principal.sub);
    if (!job || !(await this.jobs.cancel(job.id))) throw gone(id);
    // A running job notices at its next batch and deletes its folder; a finished one's goes now.
    if (job.status !== 'running')
      fs.rmSync(jobDir(this.config.fhirExport.dir, job.id), { recursive: true, force: true });
  }

  @Get('bulkfiles/:id/:file')
  @Roles(...EXPORTERS)
  @AccessLogged('fhir.export.file')
  async file(
    @Param('id') id: string,
    @Param('file') file: string,
    @Res() res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const job = await this.jobs.get(id, principal.tenantId, principal.sub);
    if (!job || job.status !== 'completed') throw gone(id);
    const out = job.output.find((o) => o.file === file);
    if (!out) throw ProblemError.notFound('FHIR.EXPORT_NOT_FOUND', `Export ${id} has no file ${file}.`);
    const stream = fs.createReadStream(path.join(jobDir(this.config.fhirExport.dir, job.id), out.file));
    res.status(200).type('application/fhir+ndjson');
    await pipeline(stream, res);
  }
}
