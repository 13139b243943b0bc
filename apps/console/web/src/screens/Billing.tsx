import { BarChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Button, Card, Group, Select, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { allPages, apiResponse, monthsBack, tenantPath } from '../api';
import { hasRole, type Session } from '../session';
import { download, Loading, ScreenTitle, useLoad } from './common';
import { Restatements } from './Restatements';
import type { WorklistRow } from './Worklist';

interface BillingLine {
  patientId: string;
  month: string;
  code: string;
  units: number;
  practitionerId: string;
  program: string;
  departmentIds: string[];
}
interface Conflict {
  patientId: string;
  code: string;
  detail: string;
}

function totals(
  lines: BillingLine[],
  key: (l: BillingLine) => string[],
): { key: string; lines: number; units: number }[] {
  const m = new Map<string, { key: string; lines: number; units: number }>();
  for (const l of lines)
    for (const k of key(l)) {
      const t = m.get(k) ?? { key: k, lines: 0, units: 0 };
      t.lines += 1;
      t.units += l.units;
      m.set(k, t);
    }
  return [...m.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function Totals({ title, rows }: { title: string; rows: { key: string; lines: number; units: number }[] }) {
  return (
    <Card withBorder component="section" aria-label={`Totals by ${title}`}>
      <Title order={3} size="h5" mb="xs">
        By {title}
      </Title>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{title}</Table.Th>
            <Table.Th>Lines</Table.Th>
            <Table.Th>Units</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              <Table.Td>{r.key}</Table.Td>
              <Table.Td>{r.lines}</Table.Td>
              <Table.Td>{r.units}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

/** The month close: totals, lines, claim mismatches, CSV; minutes against thresholds; revenue by month. */
export default function Billing({ session }: { session: Session }) {
  const months = monthsBack(4);
  const [month, setMonth] = useState(months[1]!);
  const state = useLoad(async () => {
    const base = tenantPath();
    const [lines, conflicts, worklist, history] = await Promise.all([
      allPages<BillingLine>('query', `${base}/billing-lines?month=${month}`),
      allPages<Conflict>('query', `${base}/conflicts?month=${month}&code=CLAIM_MISMATCH`),
      allPages<WorklistRow>('query', `${base}/worklist?month=${month}`),
      Promise.all(
        months.map(async (m) => ({
          m,
          lines: await allPages<BillingLine>('query', `${base}/billing-lines?month=${m}`),
        })),
      ),
    ]);
    return { lines, conflicts, worklist, history };
  }, [month]);

  const charts = useMemo(() => {
    if (!state.data) return null;
    const bucket = (r: WorklistRow): string => {
      if (r.nextThreshold === null) return 'all met';
      const gap = r.minutesToNext ?? 0;
      return gap <= 5 ? '≤5 min to next' : gap <= 10 ? '6-10 min' : gap <= 20 ? '11-20 min' : '>20 min';
    };
    const order = ['>20 min', '11-20 min', '6-10 min', '≤5 min to next', 'all met'];
    const dist = order.map((b) => ({
      bucket: b,
      rows: state.data!.worklist.filter((r) => bucket(r) === b).length,
    }));
    const codes = [...new Set(state.data.history.flatMap((h) => h.lines.map((l) => l.code)))].sort();
    const revenue = [...state.data.history].reverse().map((h) => {
      const row: Record<string, number | string> = { month: h.m };
      for (const c of codes) row[c] = h.lines.filter((l) => l.code === c).reduce((s, l) => s + l.units, 0);
      return row;
    });
    const palette = [
      'indigo.8',
      'teal.8',
      'orange.8',
      'grape.8',
      'red.8',
      'cyan.8',
      'lime.9',
      'pink.8',
      'gray.8',
      'yellow.9',
    ];
    return { dist, revenue, series: codes.map((c, i) => ({ name: c, color: palette[i % palette.length]! })) };
  }, [state.data]);

  const exportCsv = async (): Promise<void> => {
    const res = await apiResponse('query', `${tenantPath()}/billing-lines.csv?month=${month}`, {
      retries: 1,
    });
    download(`billing-lines-${month}.csv`, await res.text(), 'text/csv');
  };

  return (
    <>
      <Group justify="space-between" align="end" mb="md">
        <ScreenTitle>Billing month close</ScreenTitle>
        <Group align="end">
          <Select
            label="Month"
            data={months}
            value={month}
            onChange={(v) => v && setMonth(v)}
            allowDeselect={false}
            w={130}
          />
          <Button onClick={() => void exportCsv()}>Export CSV</Button>
        </Group>
      </Group>
      <Loading state={state}>
        {({ lines, conflicts }) => (
          <>
            <Text mb="sm" data-testid="billing-summary">
              {lines.length} lines, {lines.reduce((s, l) => s + l.units, 0)} units, {conflicts.length} claim
              mismatches
            </Text>
            <SimpleGrid cols={{ base: 1, md: 2, xl: 4 }} mb="md">
              <Totals title="code" rows={totals(lines, (l) => [l.code])} />
              <Totals title="practitioner" rows={totals(lines, (l) => [l.practitionerId])} />
              <Totals title="department" rows={totals(lines, (l) => l.departmentIds)} />
              <Totals title="program" rows={totals(lines, (l) => [l.program])} />
            </SimpleGrid>
            {charts && (
              <SimpleGrid cols={{ base: 1, lg: 2 }} mb="md">
                <Card
                  withBorder
                  component="figure"
                  m={0}
                  aria-label="Distribution of minutes against thresholds"
                >
                  <Title order={3} size="h5" mb="xs">
                    Patients by distance to the next threshold ({month})
                  </Title>
                  <BarChart
                    h={240}
                    data={charts.dist}
                    dataKey="bucket"
                    series={[{ name: 'rows', label: 'patient-programs', color: 'indigo.8' }]}
                  />
                </Card>
                <Card withBorder component="figure" m={0} aria-label="Billed units by code across months">
                  <Title order={3} size="h5" mb="xs">
                    Billed units by code across months (revenue in units, no fee schedule)
                  </Title>
                  <BarChart
                    h={240}
                    data={charts.revenue}
                    dataKey="month"
                    type="stacked"
                    series={charts.series}
                  />
                </Card>
              </SimpleGrid>
            )}
            {hasRole(session, ['billing', 'auditor']) && <Restatements month={month} session={session} />}
            <Card withBorder mb="md" component="section" aria-label="Claim mismatches">
              <Title order={3} size="h5" mb="xs">
                Claim mismatches
              </Title>
              {conflicts.length === 0 ? (
                <Text size="sm">None.</Text>
              ) : (
                conflicts.map((c, i) => <Text size="sm" key={i}>{`${c.patientId}: ${c.detail}`}</Text>)
              )}
            </Card>
            <Card withBorder component="section" aria-label="Billing lines">
              <Title order={3} size="h5" mb="xs">
                Lines
              </Title>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Patient</Table.Th>
                    <Table.Th>Code</Table.Th>
                    <Table.Th>Units</Table.Th>
                    <Table.Th>Practitioner</Table.Th>
                    <Table.Th>Program</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {lines.slice(0, 200).map((l, i) => (
                    <Table.Tr key={i}>
                      <Table.Td>{l.patientId}</Table.Td>
                      <Table.Td>{l.code}</Table.Td>
                      <Table.Td>{l.units}</Table.Td>
                      <Table.Td>{l.practitionerId}</Table.Td>
                      <Table.Td>{l.program}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {lines.length > 200 && (
                <Text size="xs">First 200 of {lines.length}; the CSV has them all.</Text>
              )}
            </Card>
          </>
        )}
      </Loading>
    </>
  );
}
