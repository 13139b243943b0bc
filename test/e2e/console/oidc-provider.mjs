// A real OpenID Connect provider (the `oidc-provider` package) for the console's sign-in test, run as
// its own process (the package is ESM-only). Configuration from the environment:
//   OIDC_PORT, OIDC_AUDIENCE, OIDC_CLIENT_ID, OIDC_REDIRECT_URI, OIDC_TENANT, OIDC_ROLES, OIDC_DEPARTMENTS
// Access tokens are RS256 JWTs for the audience (resource indicators), carrying the tenant, roles and
// departments claims the APIs read; the APIs verify them through this provider's /jwks.
// Prints "oidc-provider listening on <issuer>" when ready.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const audience = env('OIDC_AUDIENCE');
const RESOURCE = 'urn:careledger:api';
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'console-e2e', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      token_endpoint_auth_method: 'none',
      redirect_uris: [env('OIDC_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [jwk] },
  scopes: ['openid', 'careledger'],
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // The console asks for no resource: every access token is for the APIs (as an IdP's default audience).
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Error(`unknown resource ${resource}`);
        return {
          scope: 'careledger',
          audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  clientBasedCORS: (_ctx, origin, client) => client.redirectUris.some((u) => new URL(u).origin === origin),
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  extraTokenClaims: () => ({
    tenantId: env('OIDC_TENANT'),
    roles: env('OIDC_ROLES').split(','),
    departments: env('OIDC_DEPARTMENTS').split(','),
  }),
});
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () =>
  process.stdout.write(`oidc-provider listening on ${issuer}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
