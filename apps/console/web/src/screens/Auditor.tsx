import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Progress,
  Select,
  SimpleGrid,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { apiResponse, monthsBack, tenantPath } from '../api';
import { download, ScreenTitle } from './common';

interface Report {
  digest: string;
  month: string;
  asOf: string | null;
  eventsRead: number;
  streamsVerified: number;
  drift: unknown[];
  driftChecked: boolean;
  chainBreaks: unknown[];
  claimMismatches: unknown[];
  invalidEvents: unknown[];
  totals: { byCode: { code: string; lines: number; units: number }[] };
}
interface Job {
  jobId: string;
  status: 'running' | 'completed' | 'failed';
  eventsRead?: number | null;
  digest?: string | null;
  error?: string | null;
  report?: Report;
}

/** Start a replay of a tenant-month (optionally as of a date), watch it, read and download the report. */
export default function Auditor() {
  const months = monthsBack(6);
  const [month, setMonth] = useState(months[1]!);
  const [asOf, setAsOf] = useState('');
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (job?.status !== 'running') return;
    const id = setInterval(() => {
      apiResponse('audit', `${tenantPath()}/replays/${job.jobId}`)
        .then((r) => r.json() as Promise<Job>)
        .then((j) => setJob((cur) => (cur?.jobId === j.jobId ? j : cur)))
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    }, 1000);
    return () => clearInterval(id);
  }, [job?.jobId, job?.status]);

  const start = async (): Promise<void> => {
    setError(null);
    setJob(null);
    try {
      const body = { month, ...(asOf ? { asOf: new Date(`${asOf}T23:59:59Z`).toISOString() } : {}) };
      const res = await apiResponse('audit', `${tenantPath()}/replays`, { method: 'POST', body, retries: 0 });
      const j = (await res.json()) as Job | Report;
      setJob('jobId' in j ? { ...j, status: 'running' } : { jobId: 'sync', status: 'completed', report: j });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  // Asynchronous replays: the report arrives with the finished job.
  const report = job?.report;
  return (
    <>
      <ScreenTitle>Audit replay</ScreenTitle>
      <Card withBorder mb="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <Group align="end">
            <Select
              label="Month"
              data={months}
              value={month}
              onChange={(v) => v && setMonth(v)}
              allowDeselect={false}
              w={130}
            />
            <TextInput
              label="As of (date, optional)"
              type="date"
              value={asOf}
              onChange={(e) => setAsOf(e.currentTarget.value)}
            />
            <Button type="submit" disabled={job?.status === 'running'}>
              Start replay
            </Button>
          </Group>
        </form>
      </Card>
      {error && (
        <Alert color="red" role="alert" mb="md">
          {error}
        </Alert>
      )}
      {job?.status === 'running' && (
        <Card withBorder mb="md" aria-live="polite">
          <Group>
            <Loader size="sm" aria-label="Replay running" />
            <Text data-testid="replay-status">Replaying… {job.eventsRead ?? 0} events read</Text>
          </Group>
          <Progress value={100} animated mt="xs" aria-label="Replay progress" />
        </Card>
      )}
      {job?.status === 'failed' && <Alert color="red">{job.error}</Alert>}
      {report && (
        <Card withBorder data-testid="replay-report">
          <Title order={3} size="h4">
            Report for {report.month}
            {report.asOf ? ` as of ${report.asOf}` : ''}
          </Title>
          <Text mt="xs">
            Digest: <Code data-testid="replay-digest">{report.digest}</Code>
          </Text>
          <SimpleGrid cols={{ base: 2, md: 5 }} my="md">
            <Text>Events read: {report.eventsRead}</Text>
            <Text>Streams verified: {report.streamsVerified}</Text>
            <Text data-testid="replay-drift">
              Drift: {report.driftChecked ? report.drift.length : 'not checked'}
            </Text>
            <Text>Claim mismatches: {report.claimMismatches.length}</Text>
            <Text data-testid="replay-chain">Chain breaks: {report.chainBreaks.length}</Text>
          </SimpleGrid>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Code</Table.Th>
                <Table.Th>Lines</Table.Th>
                <Table.Th>Units</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.totals.byCode.map((t) => (
                <Table.Tr key={t.code}>
                  <Table.Td>{t.code}</Table.Td>
                  <Table.Td>{t.lines}</Table.Td>
                  <Table.Td>{t.units}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Button
            mt="md"
            variant="default"
            onClick={() =>
              download(
                `audit-replay-${report.month}.json`,
                JSON.stringify(report, null, 2),
                'application/json',
              )
            }
          >
            Download report
          </Button>
        </Card>
      )}
    </>
  );
}
