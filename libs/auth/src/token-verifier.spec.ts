import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { AuthConfig } from '@careledger/config';
import { mintDevToken } from './dev-token';
import { DevKeyDisabledError, UnauthenticatedError } from './auth.errors';
import { TokenVerifier, verifyToken } from './token-verifier';

const devAuth = (): AuthConfig => ({
  issuer: 'careledger',
  audience: 'careledger-api',
  devKeyEnabled: true,
  devKey: 'x'.repeat(40),
});

describe('token verification', () => {
  it('given a development token, when verified, then the principal carries tenant, roles and departments', async () => {
    const auth = devAuth();
    const token = await mintDevToken(
      { auth },
      { tenantId: 'acme', roles: ['care_manager'], departments: ['pc'] },
    );
    await expect(verifyToken(token, auth)).resolves.toEqual({
      sub: 'dev-care_manager',
      tenantId: 'acme',
      roles: ['care_manager'],
      departments: ['pc'],
    });
  });

  it('refuses to mint without an enabled development key', async () => {
    await expect(
      mintDevToken({ auth: { ...devAuth(), devKeyEnabled: false } }, { tenantId: 'a', roles: ['admin'] }),
    ).rejects.toBeInstanceOf(DevKeyDisabledError);
  });

  it.each([
    ['expired', { ttl: '-1m' }, {}],
    ['another issuer', {}, { issuer: 'someone-else' }],
    ['another audience', {}, { audience: 'other-api' }],
    ['another key', {}, { devKey: 'y'.repeat(40) }],
    ['a disabled development key', {}, { devKeyEnabled: false }],
  ])('refuses a token with %s (401)', async (_name, claims, verifierAuth) => {
    const token = await mintDevToken({ auth: devAuth() }, { tenantId: 'acme', roles: ['admin'], ...claims });
    const err = await new TokenVerifier({ ...devAuth(), ...verifierAuth })
      .verify(token)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect((err as UnauthenticatedError).httpStatus).toBe(401);
  });

  it('refuses garbage, alg=none and a token with unknown roles', async () => {
    const v = new TokenVerifier(devAuth());
    await expect(v.verify('not-a-token')).rejects.toBeInstanceOf(UnauthenticatedError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    await expect(v.verify(none)).rejects.toBeInstanceOf(UnauthenticatedError);
    const key = new TextEncoder().encode(devAuth().devKey);
    const badRoles = await new SignJWT({ tenantId: 'acme', roles: ['root'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer('careledger')
      .setAudience('careledger-api')
      .setExpirationTime('1h')
      .sign(key);
    await expect(v.verify(badRoles)).rejects.toThrow(/roles/);
    const noExp = await new SignJWT({ tenantId: 'acme', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer('careledger')
      .setAudience('careledger-api')
      .sign(key);
    await expect(v.verify(noExp)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  describe('with a JWKS URL (production)', () => {
    let server: Server;
    let url: string;
    let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

    beforeAll(async () => {
      const pair = await generateKeyPair('ES256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
      server = createServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('verifies an ES256 token from the identity provider and refuses an HS256 one', async () => {
      const auth: AuthConfig = {
        issuer: 'careledger',
        audience: 'careledger-api',
        jwksUrl: url,
        devKeyEnabled: false,
      };
      const token = await new SignJWT({ tenantId: 'acme', roles: ['billing'], departments: [] })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('idp-user-9')
        .setIssuer('careledger')
        .setAudience('careledger-api')
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(new TokenVerifier(auth).verify(token)).resolves.toMatchObject({
        sub: 'idp-user-9',
        roles: ['billing'],
      });
      const hs = await mintDevToken({ auth: devAuth() }, { tenantId: 'acme', roles: ['admin'] });
      await expect(new TokenVerifier(auth).verify(hs)).rejects.toThrow(/algorithm or key/);
    });
  });
});
