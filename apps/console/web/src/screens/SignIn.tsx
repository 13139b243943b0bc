import {
  Alert,
  Button,
  Center,
  Divider,
  MultiSelect,
  Paper,
  Select,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { Settings } from '../access';
import { startOidcSignIn } from '../oidc';
import { type Role, sessionFromToken, setSession } from '../session';

/** Departments of the demo health system (the role picker's default; any list may be typed). */
const DEMO_DEPARTMENTS = [
  'primary-care',
  'behavioral-health',
  'care-management',
  'cardiology',
  'registration',
  'billing',
  'administration',
];

export function SignIn({ settings }: { settings: Settings }) {
  const [role, setRole] = useState<Role>('care_manager');
  const [tenantId, setTenantId] = useState('demo-health');
  const [departments, setDepartments] = useState<string[]>(DEMO_DEPARTMENTS);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function devSignIn(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/console/dev-token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role, tenantId, departments }),
      });
      const body = (await res.json()) as { token?: string; detail?: string };
      if (!res.ok || !body.token) throw new Error(body.detail ?? `HTTP ${res.status}`);
      setSession(sessionFromToken(body.token, 'development'));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420}>
        <Title order={1} size="h2" mb="md">
          CareLedger console
        </Title>
        {error && (
          <Alert color="red" role="alert" mb="md">
            {error}
          </Alert>
        )}
        <Stack>
          {settings.oidc && (
            <Button
              onClick={() => {
                startOidcSignIn(settings.oidc!).catch((e: unknown) =>
                  setError(e instanceof Error ? e.message : String(e)),
                );
              }}
            >
              Sign in with your organization
            </Button>
          )}
          {settings.oidc && settings.devSignIn && (
            <Divider
              label="or, in development"
              styles={{ label: { color: 'var(--mantine-color-dark-7)' } }}
            />
          )}
          {settings.devSignIn && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void devSignIn();
              }}
            >
              <Stack>
                <Select
                  label="Role (development key)"
                  data={settings.roles}
                  value={role}
                  onChange={(v) => v && setRole(v)}
                  allowDeselect={false}
                />
                <TextInput
                  label="Tenant"
                  value={tenantId}
                  onChange={(e) => setTenantId(e.currentTarget.value)}
                />
                <MultiSelect
                  label="Departments"
                  data={DEMO_DEPARTMENTS}
                  value={departments}
                  onChange={setDepartments}
                  searchable
                />
                <Button type="submit" loading={busy}>
                  Sign in as {role}
                </Button>
              </Stack>
            </form>
          )}
          {!settings.oidc && !settings.devSignIn && (
            <Alert color="orange">
              No sign-in is configured: set CARELEDGER_AUTH_ISSUER to your identity provider.
            </Alert>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
