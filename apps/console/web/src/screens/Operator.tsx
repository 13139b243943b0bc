import { Badge, Button, Card, Group, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Loading, ScreenTitle, useLoad } from './common';
import { DeadLetters, Rebuild } from './OperatorActions';

interface PartitionProgress {
  partition: number;
  nextOffset: string;
  highWatermark: string | null;
  lag: number | null;
  updatedAt: string;
}
interface ProjectorHealth {
  status: string;
  checks: Record<string, { status: string }>;
  projection?: { version: number; lag: number | null; partitions: PartitionProgress[] };
}

/**
 * The projector's own `GET /health` (through the console's /api/projector proxy): model version, lag
 * and per-partition position. It is the projector's view of the whole topic, not a tenant read, so it
 * works for the admin role (query-api's reads do not accept admin). Below it, the projector's admin
 * routes: dead letters, and a rebuild with its progress (ADR 1000 amendment).
 */
export default function Operator() {
  const [tick, setTick] = useState(0);
  const state = useLoad(async () => {
    // 503 (degraded) still carries the body; api() would throw on it, so read the response directly.
    const res = await fetch('/api/projector/health', { headers: { accept: 'application/json' } });
    const body = (await res.json()) as ProjectorHealth;
    return { ...body, at: new Date().toISOString() };
  }, [tick]);
  return (
    <>
      <ScreenTitle>Operator</ScreenTitle>
      <Loading state={state}>
        {(h) => (
          <Card withBorder mb="md" component="section" aria-labelledby="projection-h">
            <Group justify="space-between" mb="xs">
              <Title order={3} size="h4" id="projection-h">
                Projection
              </Title>
              <Badge variant="outline" color="dark" data-testid="projector-status">
                {h.status}
              </Badge>
            </Group>
            <SimpleGrid cols={{ base: 2, md: 3 }} data-testid="projection-status">
              <Text data-testid="projection-version">Version: {h.projection?.version ?? '—'}</Text>
              <Text data-testid="projection-lag">Lag: {h.projection?.lag ?? '—'} events</Text>
              <Text>
                Checks:{' '}
                {Object.entries(h.checks)
                  .map(([k, v]) => `${k} ${v.status}`)
                  .join(', ')}
              </Text>
            </SimpleGrid>
            <Table mt="sm" data-testid="partitions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Partition</Table.Th>
                  <Table.Th>Position (next offset)</Table.Th>
                  <Table.Th>High watermark</Table.Th>
                  <Table.Th>Lag</Table.Th>
                  <Table.Th>Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(h.projection?.partitions ?? []).map((p) => (
                  <Table.Tr key={p.partition} data-partition={p.partition}>
                    <Table.Td>{p.partition}</Table.Td>
                    <Table.Td>{p.nextOffset}</Table.Td>
                    <Table.Td>{p.highWatermark ?? '—'}</Table.Td>
                    <Table.Td>{p.lag ?? '—'}</Table.Td>
                    <Table.Td>{p.updatedAt}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" mt="xs">
              Read at {h.at}
            </Text>
            <Button mt="sm" variant="default" onClick={() => setTick((t) => t + 1)}>
              Refresh
            </Button>
          </Card>
        )}
      </Loading>
      <DeadLetters tick={tick} />
      <Rebuild onSwitched={() => setTick((t) => t + 1)} />
    </>
  );
}
