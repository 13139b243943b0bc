import { Badge, Card, Grid, Group, List, Select, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { allPages, api, currentMonth, monthsBack, tenantPath } from '../api';
import { hasRole, type Session } from '../session';
import type { WorklistRow } from './Worklist';
import { Loading, ScreenTitle, useLoad } from './common';
import { CarePlans } from './CarePlans';
import { type ConsentHistory, ConsentHistoryCard } from './ConsentHistory';
import { ConsentPanel, EntryPanel, TimerPanel } from './PatientActions';

interface Line {
  code: string;
  units: number;
  program: string;
  practitionerId: string;
  explanation: { rule: string; entryIds: string[]; rulesVersion: string; countedMinutes: number };
}
interface Excluded {
  entryId: string;
  minutes: number;
  reason: string;
  program?: string;
}
export interface PatientMonth {
  patientId: string;
  month: string;
  rulesVersion: string;
  lines: Line[];
  minutes: { program: string; countedMinutes: number; practitionerId: string; personalMinutes: number }[];
  eligibility: Record<string, { eligible: boolean; reasons: string[] }>;
  excludedEntries: Excluded[];
  providerOfRecord: Record<string, string>;
  flags: unknown[];
}
interface MinutesRow {
  program: string;
  practitionerId: string;
  performerRole: string;
  rawMinutes: number;
  countedMinutes: number;
  excludedMinutes: number;
}
interface Conflict {
  seq: number;
  code: string;
  program: string;
  detail: string;
}

const BILLING_READERS = ['billing', 'auditor', 'analyst'] as const;

/** One patient's month: standing against thresholds, eligibility and consent, lines, exclusions, plans. */
export function PatientPage({ patientId, session }: { patientId: string; session: Session }) {
  const [month, setMonth] = useState(currentMonth());
  const [minPosition, setMinPosition] = useState<number | null>(null);
  const pid = encodeURIComponent(patientId);
  const mp = minPosition === null ? '' : `&minPosition=${minPosition}`;
  const state = useLoad(async () => {
    const base = tenantPath();
    const [pm, standing, minutes, conflicts, por, consents] = await Promise.all([
      api<PatientMonth>('query', `${base}/patients/${pid}/months/${month}?${mp.slice(1)}`),
      allPages<WorklistRow>('query', `${base}/worklist?month=${month}&patientId=${pid}${mp}`),
      allPages<MinutesRow>('query', `${base}/monthly-minutes?month=${month}&patientId=${pid}${mp}`),
      hasRole(session, [...BILLING_READERS])
        ? allPages<Conflict>('query', `${base}/conflicts?month=${month}&patientId=${pid}${mp}`)
        : Promise.resolve(null),
      allPages<{ month: string; program: string; practitionerId: string }>(
        'query',
        `${base}/provider-of-record?patientId=${pid}${mp}`,
      ),
      api<ConsentHistory>('query', `${base}/patients/${pid}/consents?month=${month}${mp}`),
    ]);
    // The billing practitioner of each program: this month's provider of record, else the latest one.
    const providers: Record<string, string> = {};
    for (const r of [...por].sort((a, b) => a.month.localeCompare(b.month)))
      if (r.month <= month) providers[r.program] = r.practitionerId;
    Object.assign(providers, pm.providerOfRecord);
    return { pm, standing, minutes, conflicts, providers, consents };
  }, [patientId, month, minPosition]);
  const refresh = (position: number): void => setMinPosition(position);

  return (
    <>
      <Group justify="space-between" align="end" mb="md">
        <ScreenTitle>Patient {patientId}</ScreenTitle>
        <Select
          label="Month"
          data={monthsBack(6)}
          value={month}
          onChange={(v) => v && setMonth(v)}
          allowDeselect={false}
          w={130}
        />
      </Group>
      <Loading state={state}>
        {({ pm, standing, minutes, conflicts, providers, consents }) => (
          <Grid>
            <Grid.Col span={{ base: 12, lg: 7 }}>
              <Card withBorder mb="md" component="section" aria-labelledby="standing-h">
                <Title order={3} id="standing-h" size="h4" mb="xs">
                  Standing against thresholds
                </Title>
                <Table data-testid="standing">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Program</Table.Th>
                      <Table.Th>Practitioner</Table.Th>
                      <Table.Th>Counted</Table.Th>
                      <Table.Th>Billed</Table.Th>
                      <Table.Th>Next threshold</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {standing.map((r) => (
                      <Table.Tr key={`${r.program}|${r.practitionerId}`} data-program={r.program}>
                        <Table.Td>{r.program}</Table.Td>
                        <Table.Td>{r.practitionerId}</Table.Td>
                        <Table.Td data-testid="standing-minutes">{r.countedMinutes} min</Table.Td>
                        <Table.Td data-testid="standing-billed">{r.billedCodes.join(', ') || '—'}</Table.Td>
                        <Table.Td>
                          {r.minutesToNext === null
                            ? 'all met'
                            : `${r.minutesToNext} min to ${r.nextCode} at ${r.nextThreshold}`}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
                <Title order={4} size="h5" mt="md" mb="xs">
                  Minutes by program and role
                </Title>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Program</Table.Th>
                      <Table.Th>Role</Table.Th>
                      <Table.Th>Raw</Table.Th>
                      <Table.Th>Counted</Table.Th>
                      <Table.Th>Excluded</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {minutes.map((m) => (
                      <Table.Tr key={`${m.program}|${m.practitionerId}|${m.performerRole}`}>
                        <Table.Td>{m.program}</Table.Td>
                        <Table.Td>{m.performerRole}</Table.Td>
                        <Table.Td>{m.rawMinutes}</Table.Td>
                        <Table.Td>{m.countedMinutes}</Table.Td>
                        <Table.Td>{m.excludedMinutes}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Card>
              <Card withBorder mb="md" component="section" aria-labelledby="lines-h">
                <Title order={3} id="lines-h" size="h4" mb="xs">
                  Billed lines ({pm.rulesVersion})
                </Title>
                {pm.lines.length === 0 && <Text size="sm">No line bills this month yet.</Text>}
                <List spacing="xs" data-testid="lines">
                  {pm.lines.map((l, i) => (
                    <List.Item key={i}>
                      <Text size="sm">
                        <b>{l.code}</b> × {l.units} ({l.program}, {l.practitionerId}): {l.explanation.rule};{' '}
                        {l.explanation.countedMinutes} min from entries {l.explanation.entryIds.join(', ')}
                      </Text>
                    </List.Item>
                  ))}
                </List>
                <Title order={4} size="h5" mt="md" mb="xs">
                  Minutes that did not count
                </Title>
                {pm.excludedEntries.length === 0 && <Text size="sm">None.</Text>}
                <List spacing="xs" data-testid="excluded">
                  {pm.excludedEntries.map((x, i) => (
                    <List.Item key={i}>
                      <Text size="sm">
                        {x.minutes} min of entry {x.entryId}: {x.reason}
                      </Text>
                    </List.Item>
                  ))}
                </List>
              </Card>
              <CarePlans patientId={patientId} session={session} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 5 }}>
              <TimerPanel
                session={session}
                patientId={patientId}
                providers={providers}
                onSubmitted={refresh}
              />
              <Card withBorder mb="md" component="section" aria-labelledby="elig-h">
                <Title order={3} id="elig-h" size="h4" mb="xs">
                  Eligibility and consent
                </Title>
                <SimpleGrid cols={1} spacing={4} data-testid="eligibility">
                  {Object.entries(pm.eligibility).map(([program, e]) => (
                    <Group key={program} gap="xs" data-program={program}>
                      <Text fw={700} w={56}>
                        {program}
                      </Text>
                      <Badge color="dark" variant="outline">
                        {e.eligible ? 'eligible' : 'not eligible'}
                      </Badge>
                      <Badge color="gray.8" variant="outline" data-testid="consent-state">
                        {e.reasons.some((r) => /CONSENT/.test(r)) ? 'no active consent' : 'consent on file'}
                      </Badge>
                      {e.reasons.length > 0 && <Text size="xs">{e.reasons.join(', ')}</Text>}
                    </Group>
                  ))}
                </SimpleGrid>
              </Card>
              <ConsentHistoryCard month={month} data={consents} />
              <ConsentPanel
                session={session}
                patientId={patientId}
                providers={providers}
                onSubmitted={refresh}
                onFile={consents.consents.filter((c) => c.revokedAt === null).map((c) => c.consentId)}
              />
              <EntryPanel
                session={session}
                patientId={patientId}
                providers={providers}
                onSubmitted={refresh}
              />
              <Card withBorder mb="md" component="section" aria-labelledby="flags-h">
                <Title order={3} id="flags-h" size="h4" mb="xs">
                  Conflicts and flags
                </Title>
                {pm.flags.length === 0 && (conflicts ?? []).length === 0 && <Text size="sm">None.</Text>}
                <List spacing="xs">
                  {pm.flags.map((f, i) => (
                    <List.Item key={`f${i}`}>
                      <Text size="sm">{typeof f === 'string' ? f : JSON.stringify(f)}</Text>
                    </List.Item>
                  ))}
                  {(conflicts ?? []).map((c) => (
                    <List.Item key={`c${c.seq}`}>
                      <Text size="sm">
                        <b>{c.code}</b>: {c.detail}
                      </Text>
                    </List.Item>
                  ))}
                </List>
                {conflicts === null && (
                  <Text size="xs">Claim conflicts are shown to billing and audit roles.</Text>
                )}
              </Card>
            </Grid.Col>
          </Grid>
        )}
      </Loading>
    </>
  );
}
