import * as http from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { freePort } from '../../reliability/support/free-port';

/**
 * The identity provider of the security suites: a JWKS served over loopback (the apps verify RS256
 * tokens against it, as in production, next to the HS256 development key), and the token fuzz of issue
 * 20: `alg: none`, expired, wrong audience, wrong issuer, wrong key, a `kid` the JWKS does not have, the
 * JWKS's `kid` over another key, garbage of 8 kB and a token longer than any header limit.
 */
export const KID = 'sec-k1';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class TestIdentityProvider {
  private server?: http.Server;
  private privateKey!: PrivateKey;
  private otherKey!: PrivateKey;
  private jwk!: JWK;
  url = '';

  async start(): Promise<void> {
    const pair = await generateKeyPair('RS256', { extractable: true });
    this.privateKey = pair.privateKey;
    this.otherKey = (await generateKeyPair('RS256')).privateKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    const port = await freePort();
    this.server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [this.jwk] }));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/jwks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** An RS256 token as the identity provider would issue it (or with another kid or key). */
  async sign(
    claims: Record<string, unknown>,
    auth: { issuer: string; audience: string },
    opts: { kid?: string; otherKey?: boolean; expiresIn?: string | number; audience?: string } = {},
  ): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? KID })
      .setSubject(typeof claims.sub === 'string' ? claims.sub : 'u-idp')
      .setIssuer(auth.issuer)
      .setAudience(opts.audience ?? auth.audience)
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '2h')
      .sign(opts.otherKey ? this.otherKey : this.privateKey);
  }
}

/** Tokens that must be refused, each with the one status the contract gives it. */
export async function badTokens(
  idp: TestIdentityProvider,
  devKey: string,
  auth: { issuer: string; audience: string },
  claims: Record<string, unknown>,
): Promise<Record<string, { token: string; status: number }>> {
  const key = new TextEncoder().encode(devKey);
  const hs = (edit: (j: SignJWT) => SignJWT, k: Uint8Array = key) =>
    edit(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u-fuzz').setIssuedAt()).sign(k);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, sub: 'u-fuzz', iss: auth.issuer, aud: auth.audience, exp: now + 3600 })}.`;
  const garbage = (n: number) => `${'e'.repeat(n / 2)}.${'x'.repeat(n / 2)}.sig`;
  const refused = 401;
  return {
    algNone: { token: algNone, status: refused },
    expired: {
      token: await hs((j) =>
        j
          .setIssuer(auth.issuer)
          .setAudience(auth.audience)
          .setExpirationTime(now - 600),
      ),
      status: refused,
    },
    wrongAudience: {
      token: await idp.sign(claims, auth, { audience: 'another-api' }),
      status: refused,
    },
    wrongIssuer: {
      token: await hs((j) =>
        j.setIssuer('https://evil.example').setAudience(auth.audience).setExpirationTime('1h'),
      ),
      status: refused,
    },
    wrongKey: {
      token: await hs(
        (j) => j.setIssuer(auth.issuer).setAudience(auth.audience).setExpirationTime('1h'),
        new TextEncoder().encode('another-development-key-of-32-characters!'),
      ),
      status: refused,
    },
    expiredRs256: { token: await idp.sign(claims, auth, { expiresIn: now - 600 }), status: refused },
    unknownKid: { token: await idp.sign(claims, auth, { kid: 'sec-unknown' }), status: refused },
    kidOverOtherKey: { token: await idp.sign(claims, auth, { otherKey: true }), status: refused },
    long8kB: { token: garbage(8 * 1024), status: refused },
    // Beyond Node's 16 kB header limit: the HTTP server refuses the request before any app code runs.
    longerThanHeaderLimit: { token: garbage(40 * 1024), status: 431 },
  };
}
