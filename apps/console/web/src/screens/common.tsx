import { Alert, Loader, Title } from '@mantine/core';
import { type ReactNode, useEffect, useState } from 'react';

export function Problem({ message }: { message: string }) {
  return (
    <Alert color="red" title="Something went wrong" role="alert" m="md">
      {message}
    </Alert>
  );
}

export function Forbidden({ roles }: { roles: readonly string[] }) {
  return (
    <Alert
      color="dark"
      variant="outline"
      title="Not available to your role"
      role="alert"
      data-testid="forbidden"
    >
      {roles.length > 0
        ? `This screen needs one of the roles: ${roles.join(', ')}.`
        : 'There is no such screen.'}
    </Alert>
  );
}

/** Loads once per change of `deps`; shows a loader, the error, or the children. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export function Loading<T>({
  state,
  children,
}: {
  state: { data: T | null; error: string | null };
  children: (d: T) => ReactNode;
}) {
  if (state.error) return <Problem message={state.error} />;
  if (state.data === null) return <Loader aria-label="Loading" />;
  return <>{children(state.data)}</>;
}

export function ScreenTitle({ children }: { children: ReactNode }) {
  return (
    <Title order={2} mb="md">
      {children}
    </Title>
  );
}

export function download(name: string, body: string, type: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
