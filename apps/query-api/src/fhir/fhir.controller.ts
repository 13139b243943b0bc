import { Controller, Get, Param, Req, Res, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController, ApiOperation } from '@nestjs/swagger';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import {
  AccessLogged,
  CurrentPrincipal,
  NotAccessLogged,
  type Principal,
  Public,
  Roles,
} from '@careledger/auth';
import {
  ProjectionConsistencyInterceptor,
  readVersionOf,
} from '../consistency/projection-consistency.interceptor';
import { capabilityStatement } from './capability-statement';
import { FhirOutcomeFilter } from './fhir-outcome.filter';
import { PAGING_PARAMS } from './fhir-paging';
import type { FhirExported } from './fhir-resources.mapper';
import { type FhirQuery, FhirSearchParamError, parseDateParam, patientParam } from './fhir-search';
import { FhirSearchPager } from './fhir-search-pager';
import { FHIR_TYPES, FhirService, type FhirType, notFound } from './fhir.service';

/** The FHIR base path (ADR 1110). */
export const FHIR_BASE = 'fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const ID = /^[A-Za-z0-9.-]{1,64}$/;
// Who reads FHIR: the clinical and billing readers of query-api. Analysts read pseudonymised data
// only, which per-patient FHIR resources are not; they get Bulk Data (issue 15 item 4, not built).
const READERS = ['billing', 'auditor', 'practitioner', 'care_manager'] as const;

function typeOf(type: string): FhirType {
  if (!(FHIR_TYPES as readonly string[]).includes(type)) {
    throw new FhirSearchParamError(
      'type',
      `${type} is not a resource type this server exports (see /metadata)`,
    );
  }
  return type as FhirType;
}

const isPagingParam = (name: string): boolean => (PAGING_PARAMS as readonly string[]).includes(name);

function queryOf(req: Request): FhirQuery {
  const q: FhirQuery = { patient: null, date: [], lastUpdated: [] };
  for (const [name, raw] of Object.entries(req.query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (name === 'patient' || name === 'subject') q.patient = patientParam(name, values.at(-1)!);
    else if (name === 'date') q.date.push(...values.map((v) => parseDateParam(name, v)));
    else if (name === '_lastUpdated') q.lastUpdated.push(...values.map((v) => parseDateParam(name, v)));
    else if (name !== '_format' && name !== 'minPosition' && !isPagingParam(name))
      throw new FhirSearchParamError(name, `${name} is not a supported search parameter`);
  }
  return q;
}

const baseUrl = (req: Request): string => `${req.protocol}://${req.get('host')}/${FHIR_BASE}`;
const urlOf = (req: Request, r: Resource & { id?: string }): string =>
  `${baseUrl(req)}/${r.resourceType}/${r.id}`;

/**
 * `/fhir/R4` on query-api (ADR 1110): CapabilityStatement, read, vread, instance history and search
 * of the exported types, as `application/fhir+json`. The tenant is the token's; the roles, the
 * department scope and the access log are query-api's own guards and interceptor.
 */
// Documented by its CapabilityStatement, not by query-api's OpenAPI document (ADR 1110); the issue-20
// access matrix enumerates these routes from the CapabilityStatement (ADR 0805).
@ApiExcludeController()
@Controller(FHIR_BASE)
@UseFilters(FhirOutcomeFilter)
@UseInterceptors(ProjectionConsistencyInterceptor)
export class FhirController {
  constructor(
    private readonly fhir: FhirService,
    private readonly pager: FhirSearchPager,
  ) {}

  @Get('metadata')
  @Public()
  @NotAccessLogged()
  @ApiOperation({ summary: 'The CapabilityStatement: what this FHIR base implements' })
  metadata(@Req() req: Request, @Res({ passthrough: true }) res: Response): unknown {
    res.type(FHIR_JSON);
    return capabilityStatement(baseUrl(req), process.env.npm_package_version ?? '0.1.0', '2026-12-02');
  }

  @Get(':type')
  @Roles(...READERS)
  @AccessLogged('fhir.search')
  @ApiOperation({
    summary: 'Search a type by patient, date (month or period) and _lastUpdated; keyset pages',
  })
  async search(
    @Param('type') rawType: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Bundle> {
    const type = typeOf(rawType);
    const q = queryOf(req);
    const bundle = await this.pager.searchset(
      principal,
      readVersionOf(req),
      type,
      q,
      req.query,
      baseUrl(req),
    );
    res.type(FHIR_JSON);
    return bundle;
  }

  @Get(':type/:id')
  @Roles(...READERS)
  @AccessLogged('fhir.read')
  async read(
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Resource> {
    const versions = await this.versions(typeOf(type), id, req, principal);
    res.type(FHIR_JSON);
    return versions.at(-1)!.resource;
  }

  @Get(':type/:id/_history')
  @Roles(...READERS)
  @AccessLogged('fhir.history')
  async history(
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Bundle> {
    const versions = await this.versions(typeOf(type), id, req, principal);
    res.type(FHIR_JSON);
    const entry: BundleEntry[] = [...versions].reverse().map((x) => ({
      fullUrl: urlOf(req, x.resource),
      resource: x.resource,
      request: {
        method: x.resource.meta.versionId === '1' ? 'POST' : 'PUT',
        url: x.resource.meta.versionId === '1' ? type : `${type}/${id}`,
      },
      response: {
        status: x.resource.meta.versionId === '1' ? '201' : '200',
        lastModified: x.resource.meta.lastUpdated,
      },
    }));
    return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
  }

  @Get(':type/:id/_history/:vid')
  @Roles(...READERS)
  @AccessLogged('fhir.vread')
  async vread(
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('vid') vid: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Resource> {
    const versions = await this.versions(typeOf(type), id, req, principal);
    const found = versions.find((x) => x.resource.meta.versionId === vid);
    if (!found) throw notFound(type, `${id}/_history/${vid}`);
    res.type(FHIR_JSON);
    return found.resource;
  }

  private async versions(
    type: FhirType,
    id: string,
    req: Request,
    principal: Principal,
  ): Promise<FhirExported[]> {
    if (!ID.test(id)) throw new FhirSearchParamError('id', 'id must be 1-64 characters of A-Z a-z 0-9 - .');
    const version = readVersionOf(req);
    const patientId = await this.fhir.patientOf(principal.tenantId, version, type, id);
    const patients = await this.fhir.patientsInScope(principal.tenantId, version, principal, patientId);
    const all = await this.fhir.exportPatients(principal.tenantId, version, patients);
    const versions = all.filter((x) => x.resource.resourceType === type && x.resource.id === id);
    if (versions.length === 0) throw notFound(type, id);
    return versions;
  }
}
