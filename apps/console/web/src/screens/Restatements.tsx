import { Alert, Badge, Button, Card, Group, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, tenantPath } from '../api';
import { hasRole, type Session } from '../session';
import { Loading, useLoad } from './common';

interface Units {
  code: string;
  units: number;
}
interface Explanation {
  code: string;
  program: string;
  ruleBefore: string | null;
  ruleAfter: string | null;
  minutesBefore: number;
  minutesAfter: number;
  unitsBefore: number;
  unitsAfter: number;
  entriesAdded: string[];
  entriesRemoved: string[];
}
interface OpenRestatement {
  restatementId: string;
  patientId: string;
  ageHours: number;
  reverse: Units[];
  add: Units[];
  explanation: Explanation[];
}
interface Change {
  patientId: string;
  reverse: Units[];
  add: Units[];
  explanation: Explanation[];
}
interface OrganizationMonth {
  organizationId: string;
  status: string;
  closeId: string | null;
  closedAt: string | null;
  openRestatements: OpenRestatement[];
  changesSinceClose: Change[];
}

const units = (l: Units[]): string => (l.length ? l.map((x) => `${x.code} × ${x.units}`).join(', ') : '—');

function Why({ explanation }: { explanation: Explanation[] }) {
  return (
    <>
      {explanation.map((x, i) => (
        <Text size="xs" key={i} data-testid="explanation">
          {x.code} ({x.program}): units {x.unitsBefore} → {x.unitsAfter}, minutes {x.minutesBefore} →{' '}
          {x.minutesAfter}, rule {x.ruleBefore ?? '—'} → {x.ruleAfter ?? '—'}
          {x.entriesAdded.length ? `; entries added ${x.entriesAdded.join(', ')}` : ''}
          {x.entriesRemoved.length ? `; entries removed ${x.entriesRemoved.join(', ')}` : ''}
        </Text>
      ))}
    </>
  );
}

function Resolve({ id, onDone }: { id: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api('care', `${tenantPath()}/restatements/${encodeURIComponent(id)}/resolve`, {
        method: 'POST',
        body: { reason },
        retries: 0,
      });
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group align="end" gap="xs" wrap="nowrap">
      <TextInput
        label={`Reason to resolve ${id}`}
        size="xs"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <Button size="xs" onClick={() => void submit()} disabled={reason.trim() === ''} loading={busy}>
        Resolve
      </Button>
      {error && (
        <Alert color="red" role="alert" p={4}>
          {error}
        </Alert>
      )}
    </Group>
  );
}

/**
 * The billing office's month (query-api's billing-office view): each organization's status, the
 * charge feed's open restatements with age, lines to reverse and add and why, resolvable by hand
 * (billing), and the live changes since the close that no feed run has restated yet.
 */
export function Restatements({ month, session }: { month: string; session: Session }) {
  const [done, setDone] = useState<string | null>(null);
  const state = useLoad(
    () => api<{ items: OrganizationMonth[] }>('query', `${tenantPath()}/billing-office?month=${month}`),
    [month, done],
  );
  const canResolve = hasRole(session, ['billing']);
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="restatements-h">
      <Title order={3} id="restatements-h" size="h5" mb="xs">
        Close and restatements ({month})
      </Title>
      {done && (
        <Alert color="green" role="status" mb="xs">
          {done} resolved
        </Alert>
      )}
      <Loading state={state}>
        {({ items }) => (
          <Table data-testid="billing-office">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Organization</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Open restatements and changes since the close</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((o) => (
                <Table.Tr key={o.organizationId} data-organization={o.organizationId} data-status={o.status}>
                  <Table.Td>{o.organizationId}</Table.Td>
                  <Table.Td>
                    <Badge color="dark" variant="outline">
                      {o.status}
                    </Badge>
                    {o.closedAt && <Text size="xs">closed {o.closedAt.slice(0, 10)}</Text>}
                  </Table.Td>
                  <Table.Td>
                    {o.openRestatements.length === 0 && o.changesSinceClose.length === 0 && (
                      <Text size="sm">None.</Text>
                    )}
                    {o.openRestatements.map((r) => (
                      <div
                        key={r.restatementId}
                        data-testid="open-restatement"
                        data-restatement={r.restatementId}
                      >
                        <Text size="sm">
                          <b>{r.restatementId}</b> ({r.patientId}), {r.ageHours} h old: reverse{' '}
                          {units(r.reverse)}; add {units(r.add)}
                        </Text>
                        <Why explanation={r.explanation} />
                        {canResolve && (
                          <Resolve id={r.restatementId} onDone={() => setDone(r.restatementId)} />
                        )}
                      </div>
                    ))}
                    {o.changesSinceClose.map((c) => (
                      <div
                        key={`live-${c.patientId}`}
                        data-testid="change-since-close"
                        data-patient={c.patientId}
                      >
                        <Text size="sm">
                          Changed since the close, not yet restated by the feed: {c.patientId}: reverse{' '}
                          {units(c.reverse)}; add {units(c.add)}
                        </Text>
                        <Why explanation={c.explanation} />
                      </div>
                    ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loading>
    </Card>
  );
}
