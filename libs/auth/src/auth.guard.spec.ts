import 'reflect-metadata';
import { Controller, Get, Param, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { AuthConfig } from '@careledger/config';
import { ProblemDetailsFilter } from '@careledger/http';
import { AuthModule } from './auth.module';
import { CurrentPrincipal, Public, Roles } from './auth.decorators';
import { mintDevToken } from './dev-token';
import type { Principal } from './principal';

@Controller()
class ProbeController {
  @Public()
  @Get('health')
  health(): { ok: true } {
    return { ok: true };
  }

  @Roles('billing')
  @Get('v1/tenants/:tenantId/claims')
  claims(
    @Param('tenantId') tenantId: string,
    @CurrentPrincipal() p: Principal,
  ): { tenantId: string; sub: string } {
    return { tenantId, sub: p.sub };
  }
}

describe('AuthGuard', () => {
  const auth: AuthConfig = {
    issuer: 'careledger',
    audience: 'careledger-api',
    devKeyEnabled: true,
    devKey: 'k'.repeat(32),
  };
  let app: INestApplication;
  const token = (tenantId: string, roles: Principal['roles']): Promise<string> =>
    mintDevToken({ auth }, { tenantId, roles });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot({ auth })],
      controllers: [ProbeController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });

  it('lets public routes through without a token', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
  });

  it('answers 401 without a token or with a bad one', async () => {
    await request(app.getHttpServer()).get('/v1/tenants/acme/claims').expect(401);
    await request(app.getHttpServer())
      .get('/v1/tenants/acme/claims')
      .set('Authorization', 'Bearer abc.def.ghi')
      .expect(401);
  });

  it("answers 404 (not 403) for another tenant's path, even without the role", async () => {
    const t = await token('acme', ['analyst']);
    const res = await request(app.getHttpServer())
      .get('/v1/tenants/other/claims')
      .set('Authorization', `Bearer ${t}`)
      .expect(404);
    expect(res.body).toMatchObject({ code: 'RESOURCE.NOT_FOUND' });
  });

  it('answers 403 for a missing role in the own tenant, and 200 with it', async () => {
    const analyst = await token('acme', ['analyst']);
    await request(app.getHttpServer())
      .get('/v1/tenants/acme/claims')
      .set('Authorization', `Bearer ${analyst}`)
      .expect(403);
    const billing = await token('acme', ['billing']);
    const res = await request(app.getHttpServer())
      .get('/v1/tenants/acme/claims')
      .set('Authorization', `Bearer ${billing}`)
      .expect(200);
    expect(res.body).toEqual({ tenantId: 'acme', sub: 'dev-billing' });
  });
});
