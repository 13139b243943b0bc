import { Alert, Button, Card, SimpleGrid, Text, Title } from '@mantine/core';
import { apiResponse, tenantPath } from '../api';
import { Loading, ScreenTitle, useLoad } from './common';

/**
 * Projection version, position and lag as query-api reports them on every read (X-Projection-*
 * headers). Dead letters and rebuilds have no HTTP API yet: the CLI runs them (ADR 1000).
 */
export default function Operator() {
  const state = useLoad(async () => {
    const res = await apiResponse('query', `${tenantPath()}/worklist?limit=1`);
    const h = (n: string): string => res.headers.get(n) ?? '—';
    return {
      version: h('x-projection-version'),
      position: h('x-projection-position'),
      lagEvents: h('x-projection-lag-events'),
      lagMs: h('x-projection-lag-ms'),
      at: new Date().toISOString(),
    };
  }, []);
  return (
    <>
      <ScreenTitle>Operator</ScreenTitle>
      <Loading state={state}>
        {(p) => (
          <Card withBorder mb="md" data-testid="projection-status">
            <Title order={3} size="h4" mb="xs">
              Projection
            </Title>
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              <Text>Version: {p.version}</Text>
              <Text>Position: {p.position}</Text>
              <Text>Lag: {p.lagEvents} events</Text>
              <Text>Lag: {p.lagMs} ms</Text>
            </SimpleGrid>
            <Text size="xs" mt="xs">
              Read at {p.at}
            </Text>
            <Button mt="sm" variant="default" onClick={state.reload}>
              Refresh
            </Button>
          </Card>
        )}
      </Loading>
      <Alert color="gray" title="Dead letters and rebuilds">
        The platform has no HTTP API for the dead-letter topic or for rebuilds yet; run{' '}
        <code>npm run careledger -- projections status</code> and <code>projections rebuild</code>.
      </Alert>
    </>
  );
}
