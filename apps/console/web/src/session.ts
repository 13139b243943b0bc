/** The signed-in user of this tab: the bearer token and what it claims (the APIs verify it). */
export const ROLES = ['care_manager', 'practitioner', 'billing', 'auditor', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  token: string;
  sub: string;
  tenantId: string;
  roles: Role[];
  departments: string[];
  expiresAt: number;
  via: 'development' | 'fragment' | 'oidc';
}

const KEY = 'careledger.session';
let listeners: (() => void)[] = [];

function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('The token is not a JWT');
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(json) as Record<string, unknown>;
}

/** A session from a token; the claims are read for the screens only, never trusted for access. */
export function sessionFromToken(token: string, via: Session['via']): Session {
  const c = decodeClaims(token);
  const roles = Array.isArray(c.roles)
    ? (c.roles as unknown[]).filter((r): r is Role => ROLES.includes(r as Role))
    : [];
  return {
    token,
    via,
    sub: typeof c.sub === 'string' ? c.sub : '',
    tenantId: typeof c.tenantId === 'string' ? c.tenantId : '',
    roles,
    departments: Array.isArray(c.departments) ? (c.departments as unknown[]).map(String) : [],
    expiresAt: typeof c.exp === 'number' ? c.exp * 1000 : Date.now() + 3_600_000,
  };
}

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const s = JSON.parse(raw) as Session;
  if (s.expiresAt <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return s;
}

export function setSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  cached = currentSession();
  listeners.forEach((l) => l());
}

let cached: Session | null = null;
export function subscribeSession(l: () => void): () => void {
  listeners.push(l);
  return () => {
    listeners = listeners.filter((x) => x !== l);
  };
}
export function sessionSnapshot(): Session | null {
  if (cached?.token !== currentSession()?.token) cached = currentSession();
  return cached;
}

/**
 * `/#token=<jwt>` (scripted demos and tests): stored for this tab, then removed from the address bar
 * so it is neither bookmarked nor sent on.
 */
export function consumeFragmentToken(): void {
  const m = /^#token=([A-Za-z0-9._-]+)$/.exec(window.location.hash);
  if (!m) return;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  try {
    setSession(sessionFromToken(m[1]!, 'fragment'));
  } catch {
    setSession(null);
  }
}

export function hasRole(s: Session | null, roles: readonly Role[]): boolean {
  return !!s && s.roles.some((r) => roles.includes(r));
}
