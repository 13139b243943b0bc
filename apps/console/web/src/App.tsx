import { AppShell, Badge, Button, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { lazy, Suspense, useEffect, useState, useSyncExternalStore } from 'react';
import { navigate, usePath } from './router';
import { hasRole, type Session, sessionSnapshot, setSession, subscribeSession } from './session';
import { CALLBACK_PATH, completeOidcSignIn } from './oidc';
import { SignIn } from './screens/SignIn';
import { Worklist } from './screens/Worklist';
import { PatientPage } from './screens/PatientPage';
import { Forbidden, Problem } from './screens/common';
import { PATIENT_ROLES, SCREENS, type Settings } from './access';

const Billing = lazy(() => import('./screens/Billing'));
const Auditor = lazy(() => import('./screens/Auditor'));
const Operator = lazy(() => import('./screens/Operator'));

function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, sessionSnapshot);
}

export function App() {
  const session = useSession();
  const path = usePath();
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetch('/console/settings.json')
      .then((r) => r.json() as Promise<Settings>)
      .then(setSettings)
      .catch(() => setError('The console server did not answer'));
  }, []);

  useEffect(() => {
    if (settings?.oidc && path === CALLBACK_PATH) {
      completeOidcSignIn(settings.oidc).catch((e: unknown) =>
        setError(`Sign-in failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  }, [settings, path]);

  if (error) return <Problem message={error} />;
  if (!settings || path === CALLBACK_PATH) return <Loader aria-label="Loading" m="xl" />;
  if (!session) return <SignIn settings={settings} />;

  const allowed = SCREENS.filter((s) => hasRole(session, s.roles));
  const home = allowed[0]?.path ?? '/forbidden';
  if (path === '/' || path === '') {
    queueMicrotask(() => navigate(home));
  }

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={1} size="h3">
            CareLedger
          </Title>
          <Group gap="xs">
            <Text size="sm" data-testid="who">
              {session.sub} · tenant {session.tenantId}
            </Text>
            {session.roles.map((r) => (
              <Badge key={r} variant="outline" color="dark">
                {r}
              </Badge>
            ))}
            <Button variant="default" size="xs" onClick={() => setSession(null)}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Screens">
        {allowed.map((s) => (
          <NavLink
            key={s.path}
            href={s.path}
            label={s.label}
            active={path.startsWith(s.path)}
            onClick={(e) => {
              e.preventDefault();
              navigate(s.path);
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loader aria-label="Loading" />}>
          <Screen path={path} session={session} />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function Screen({ path, session }: { path: string; session: Session }) {
  const patient = /^\/patients\/([^/]+)$/.exec(path);
  if (patient) {
    return hasRole(session, PATIENT_ROLES) ? (
      <PatientPage patientId={decodeURIComponent(patient[1]!)} session={session} />
    ) : (
      <Forbidden roles={PATIENT_ROLES} />
    );
  }
  const screen = SCREENS.find((s) => path.startsWith(s.path));
  if (!screen) return <Forbidden roles={[]} />;
  if (!hasRole(session, screen.roles)) return <Forbidden roles={screen.roles} />;
  switch (screen.path) {
    case '/worklist':
      return <Worklist session={session} />;
    case '/billing':
      return <Billing session={session} />;
    case '/audit':
      return <Auditor />;
    default:
      return <Operator />;
  }
}
