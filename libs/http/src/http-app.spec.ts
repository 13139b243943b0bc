import { Body, Controller, Get, INestApplication, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, IsString, Max, Min } from 'class-validator';
import request from 'supertest';
import { loadConfig } from '@careledger/config';
import { configureHttpApp } from './http-app';
import { ProblemError } from './problem';

class LogMinutesDto {
  @IsString() entryId!: string;
  @IsInt() @Min(1) @Max(1440) minutes!: number;
}

@Controller('t')
class ProbeController {
  @Post('minutes')
  log(@Body() dto: LogMinutesDto): { ok: true; minutes: number } {
    return { ok: true, minutes: dto.minutes };
  }
  @Get('missing')
  missing(): never {
    throw ProblemError.notFound('PATIENT.NOT_FOUND', 'No such patient.');
  }
  @Get('coded')
  coded(): never {
    throw Object.assign(new Error('entry P1-E9 is unknown'), {
      code: 'CARE_TIME.UNKNOWN_ENTRY',
      httpStatus: 404,
      field: 'data.entryId',
    });
  }
  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail with patient note');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('configureHttpApp', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
    configureHttpApp(app, loadConfig({}, { CARELEDGER_HTTP_BODY_LIMIT: '1kb' }), {
      name: 'probe',
      useLogger: false,
    });
    await app.init();
  });
  afterAll(() => app.close());

  it('given a valid body, when posted, then the DTO arrives transformed', async () => {
    const res = await request(app.getHttpServer()).post('/t/minutes').send({ entryId: 'E1', minutes: 20 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ok: true, minutes: 20 });
  });

  it('given bad fields, when posted, then 400 problem+json names each field', async () => {
    const res = await request(app.getHttpServer()).post('/t/minutes').send({ minutes: 0, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['entryId', 'minutes', 'extra']));
    expect(res.body.code).toBe('REQUEST.INVALID');
    expect(res.body.correlationId).toEqual(res.headers['x-correlation-id']);
  });

  it('given a body over the limit, then 413 naming the body', async () => {
    const res = await request(app.getHttpServer())
      .post('/t/minutes')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ entryId: 'x'.repeat(4096), minutes: 3 }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('HTTP.PAYLOAD_TOO_LARGE');
  });

  it('given malformed JSON, then 400 naming the body', async () => {
    const res = await request(app.getHttpServer())
      .post('/t/minutes')
      .set('content-type', 'application/json')
      .send('{"note":"Jane Roe');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'body', message: 'is not valid JSON' }]);
    expect(JSON.stringify(res.body)).not.toContain('Jane');
  });

  it('maps ProblemError and coded lib errors to their status and code', async () => {
    const missing = await request(app.getHttpServer()).get('/t/missing');
    expect([missing.status, missing.body.code]).toEqual([404, 'PATIENT.NOT_FOUND']);
    const coded = await request(app.getHttpServer()).get('/t/coded');
    expect([coded.status, coded.body.code, coded.body.errors[0].field]).toEqual([
      404,
      'CARE_TIME.UNKNOWN_ENTRY',
      'data.entryId',
    ]);
  });

  it('answers an unexpected error with a bare 500: no stack, no internal message', async () => {
    const res = await request(app.getHttpServer()).get('/t/boom');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/secret|patient note|at /);
  });

  it('keeps a safe caller correlation id and replaces an unsafe one', async () => {
    const kept = await request(app.getHttpServer()).get('/t/missing').set('x-correlation-id', 'abc-123');
    expect(kept.headers['x-correlation-id']).toBe('abc-123');
    const replaced = await request(app.getHttpServer())
      .get('/t/missing')
      .set('x-correlation-id', 'John Smith <script>');
    expect(replaced.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and serves the OpenAPI document', async () => {
    const res = await request(app.getHttpServer()).get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
