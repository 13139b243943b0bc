import { Alert, Badge, Button, Card, Group, Progress, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { Loading, useLoad } from './common';

interface DeadLetter {
  partition: number;
  offset: string;
  eventId: string | null;
  tenantId: string | null;
  globalPosition: number | null;
  errorCode: string;
  error: { message?: string; issues?: { field: string; message: string }[] } | null;
  retriedAt: string | null;
  retryOutcome: 'applied' | 'failed-again' | null;
  retryErrorCode: string | null;
  retryCount: number;
  resolvedAt: string | null;
}
interface RetryResult {
  outcome: 'applied' | 'failed-again';
  retryErrorCode: string | null;
  retriedAt: string;
  retryCount: number;
}

/** What the last retry of a dead letter did, in words (the list's fields or the retry's answer). */
export function retryText(x: {
  retryOutcome: 'applied' | 'failed-again' | null;
  retryErrorCode: string | null;
  retryCount: number;
}): string {
  if (x.retryOutcome === null) return 'not retried';
  const times = x.retryCount === 1 ? 'once' : `${x.retryCount} times`;
  return x.retryOutcome === 'applied'
    ? `applied (retried ${times})`
    : `failed again: ${x.retryErrorCode ?? 'unknown'} (retried ${times})`;
}

/**
 * Retry one dead letter (admin route `POST /v1/operator/dead-letters/{id}/retry`, ADR 1401) and show
 * what it did; `onDone` reloads the list (the row's retry fields, or resolved).
 */
function RetryButton({ x, onDone }: { x: DeadLetter; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const id = `${x.partition}-${x.offset}`;
  const run = async (): Promise<void> => {
    setBusy(true);
    setSaid(null);
    try {
      const r = await api<RetryResult>('projector', `/v1/operator/dead-letters/${id}/retry`, {
        method: 'POST',
        retries: 0,
      });
      setSaid({
        ok: r.outcome === 'applied',
        text: `${id}: ${retryText({ retryOutcome: r.outcome, retryErrorCode: r.retryErrorCode, retryCount: r.retryCount })}`,
      });
      onDone();
    } catch (e) {
      setSaid({ ok: false, text: `${id}: ${e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)}` });
    } finally {
      setBusy(false);
    }
  };
  if (x.resolvedAt !== null) return <Badge color="green">resolved</Badge>;
  return (
    <>
      <Button size="xs" onClick={() => void run()} loading={busy} aria-label={`Retry ${id}`}>
        Retry
      </Button>
      {said && (
        <Text size="xs" role="status" c={said.ok ? 'green.9' : 'red.9'} data-testid={`retry-outcome-${id}`}>
          {said.text}
        </Text>
      )}
    </>
  );
}
interface RebuildStatus {
  state: 'idle' | 'running' | 'switched' | 'failed';
  startedAt: string | null;
  startedBy: string | null;
  progress: { phase: string; version: number; done: number; total: number } | null;
  result: { fromVersion: number; toVersion: number; events: number; durationMs: number } | null;
  error: { code: string; message: string } | null;
}

/** The projector's dead letters (admin route `GET /v1/operator/dead-letters`). */
export function DeadLetters({ tick }: { tick: number }) {
  const [reload, setReload] = useState(0);
  const state = useLoad(
    () => api<{ version: number; items: DeadLetter[] }>('projector', '/v1/operator/dead-letters'),
    [tick, reload],
  );
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="dlq-h">
      <Title order={3} size="h4" id="dlq-h" mb="xs">
        Dead-lettered events
      </Title>
      <Loading state={state}>
        {(d) => (
          <>
            <Text size="sm" mb="xs" data-testid="dead-letter-count">
              {d.items.length} parked in version {d.version}
            </Text>
            {d.items.length > 0 && (
              <Table data-testid="dead-letters">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Partition / offset</Table.Th>
                    <Table.Th>Event</Table.Th>
                    <Table.Th>Error</Table.Th>
                    <Table.Th>Retry</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((x) => (
                    <Table.Tr key={`${x.partition}|${x.offset}`} data-offset={`${x.partition}:${x.offset}`}>
                      <Table.Td>
                        {x.partition} / {x.offset}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs">{x.eventId ?? 'no event id'}</Text>
                        <Text size="xs">
                          position {x.globalPosition ?? '—'}, tenant {x.tenantId ?? 'unknown'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <b>{x.errorCode}</b>
                        {(x.error?.issues ?? []).map((i) => (
                          <Text size="xs" key={i.field}>
                            {i.field}: {i.message}
                          </Text>
                        ))}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" data-testid={`retry-state-${x.partition}-${x.offset}`}>
                          {x.resolvedAt !== null ? 'resolved: ' : ''}
                          {retryText(x)}
                        </Text>
                        <RetryButton x={x} onDone={() => setReload((n) => n + 1)} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Text size="xs" mt="xs">
              Retry: fix the cause (an upcaster or a rule), then retry one message (read back from the topic
              and applied as a batch would), or rebuild: a rebuild reads every message again, parked ones
              included.
            </Text>
          </>
        )}
      </Loading>
    </Card>
  );
}

/** Start a rebuild and watch it (admin routes `POST`/`GET /v1/operator/rebuild`), polling while it runs. */
export function Rebuild({ onSwitched }: { onSwitched: () => void }) {
  const [status, setStatus] = useState<RebuildStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void api<RebuildStatus>('projector', '/v1/operator/rebuild').then(setStatus, () => undefined);
  }, []);
  useEffect(() => {
    if (status?.state !== 'running') return;
    const t = setTimeout(() => {
      void api<RebuildStatus>('projector', '/v1/operator/rebuild').then((s) => {
        setStatus(s);
        if (s.state === 'switched') onSwitched();
      });
    }, 500);
    return () => clearTimeout(t);
  }, [status]);
  const start = async (): Promise<void> => {
    setError(null);
    try {
      setStatus(
        await api<RebuildStatus>('projector', '/v1/operator/rebuild', { method: 'POST', retries: 0 }),
      );
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };
  const p = status?.progress;
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="rebuild-h">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="rebuild-h">
          Rebuild
        </Title>
        <Badge variant="outline" color="dark" data-testid="rebuild-state">
          {status?.state ?? '…'}
        </Badge>
      </Group>
      <Text size="sm" mb="xs">
        Builds the next read-model version from offset 0 beside the live one and switches when caught up.
      </Text>
      {p && (
        <>
          <Text size="sm" data-testid="rebuild-progress">
            Version {p.version}: {p.phase}, {p.done} of {p.total} events
          </Text>
          <Progress
            value={p.total > 0 ? (100 * p.done) / p.total : 0}
            aria-label="Rebuild progress"
            mb="xs"
          />
        </>
      )}
      {status?.result && (
        <Text size="sm" data-testid="rebuild-result">
          Switched from version {status.result.fromVersion} to {status.result.toVersion}:{' '}
          {status.result.events} events in {status.result.durationMs} ms
        </Text>
      )}
      {status?.error && (
        <Alert color="red" role="alert">
          {status.error.code}: {status.error.message}
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      <Button mt="xs" onClick={() => void start()} disabled={status?.state === 'running'}>
        Start rebuild
      </Button>
    </Card>
  );
}
