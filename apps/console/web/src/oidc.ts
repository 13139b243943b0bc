import * as oauth from 'oauth4webapi';
import { sessionFromToken, setSession } from './session';

/** OpenID Connect settings the console server publishes (`/console/settings.json`). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  audience: string;
}

const PENDING = 'careledger.oidc.pending';
export const CALLBACK_PATH = '/oidc/callback';

function redirectUri(): string {
  return `${window.location.origin}${CALLBACK_PATH}`;
}

/** Plain http is accepted only for a loopback issuer (a provider on this machine, as in the tests). */
function requestOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  const loopback =
    issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  return loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(settings: OidcSettings): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(settings.issuer);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) }),
  );
}

/**
 * Authorization Code with PKCE (S256): the verifier and state stay in this tab until the callback. The
 * provider issues access tokens for the APIs' audience by default (its resource-server setting).
 */
export async function startOidcSignIn(settings: OidcSettings): Promise<void> {
  const as = await discover(settings);
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING, JSON.stringify({ codeVerifier, state, nonce }));
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid careledger');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  window.location.assign(url.href);
}

let completing: Promise<void> | null = null;

/**
 * The redirect back, once per page load: the pending verifier is single-use, so a second call (an
 * effect re-run when the settings object is replaced, React's StrictMode double effects) must share
 * the first exchange instead of failing with "No sign-in was started".
 */
export function completeOidcSignIn(settings: OidcSettings): Promise<void> {
  completing ??= exchangeCode(settings);
  return completing;
}

/**
 * The redirect back: checks state, exchanges the code with the verifier, validates the ID token's
 * claims, and keeps the access token (a JWT the APIs verify through the provider's JWKS).
 */
async function exchangeCode(settings: OidcSettings): Promise<void> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as {
    codeVerifier: string;
    state: string;
    nonce: string;
  } | null;
  sessionStorage.removeItem(PENDING);
  if (!pending) throw new Error('No sign-in was started in this tab');
  const as = await discover(settings);
  const client: oauth.Client = { client_id: settings.clientId };
  const params = oauth.validateAuthResponse(as, client, new URL(window.location.href), pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.codeVerifier,
    requestOptions(new URL(settings.issuer)),
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  history.replaceState(null, '', '/');
  setSession(sessionFromToken(result.access_token, 'oidc'));
}
