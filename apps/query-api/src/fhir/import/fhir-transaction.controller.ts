import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { CareLedgerConfig } from '@careledger/config';
import { AccessLogged, Roles } from '@careledger/auth';
import { CONFIG, correlationIdOf, ProblemError } from '@careledger/http';
import { FhirOutcomeFilter } from '../fhir-outcome.filter';

/** Request headers care-api needs; nothing else is passed on. */
const FORWARDED_REQUEST = ['authorization', 'idempotency-key', 'traceparent'] as const;
/** Response headers of care-api the client gets back. */
const FORWARDED_RESPONSE = [
  'content-type',
  'idempotent-replayed',
  'x-global-position',
  'retry-after',
] as const;

/**
 * `POST /fhir/R4` (a `transaction` Bundle) on query-api's FHIR base (ADR 1113). query-api stays
 * read-only: it hands the request, token included, to care-api's `POST /fhir/R4`, where the Bundle is
 * decided by care-api's deciders, policies and idempotent runner, and returns care-api's answer
 * unchanged. query-api adds what it adds to every FHIR route: the role check and the access log.
 */
@ApiExcludeController()
@Controller('fhir/R4')
@UseFilters(FhirOutcomeFilter)
export class FhirTransactionController {
  private readonly target: string;

  constructor(@Inject(CONFIG) config: CareLedgerConfig) {
    this.target = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.careApiPort}/fhir/R4`;
  }

  @Post()
  @HttpCode(200)
  @Roles('admin', 'care_manager', 'practitioner')
  @AccessLogged('fhir.transaction')
  async transaction(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    for (const h of FORWARDED_REQUEST) {
      const v = req.header(h);
      if (v !== undefined) headers[h] = v;
    }
    const correlation = correlationIdOf(req);
    if (correlation) headers['x-correlation-id'] = correlation;
    let answer: globalThis.Response;
    try {
      answer = await fetch(this.target, { method: 'POST', headers, body: JSON.stringify(body ?? null) });
    } catch {
      throw new ProblemError(
        503,
        'FHIR.WRITE_UNAVAILABLE',
        'care-api, which records FHIR transactions, is not reachable',
      );
    }
    for (const h of FORWARDED_RESPONSE) {
      const v = answer.headers.get(h);
      if (v !== null) res.setHeader(h, v);
    }
    res.status(answer.status).send(await answer.text());
  }
}
