import { Badge, Card, Table, Text, Title } from '@mantine/core';

export interface ConsentRecord {
  consentId: string;
  program: string;
  billingPractitionerId: string;
  method: string;
  costSharingExplained: boolean;
  obtainedAt: string;
  revokedAt: string | null;
  stateAtMonthEnd: 'active' | 'revoked' | 'future';
  inForceDuringMonth: boolean;
}
export interface ConsentHistoryItem {
  type: 'ConsentGranted' | 'ConsentRevoked';
  consentId: string;
  program: string | null;
  method: string | null;
  effectiveAt: string;
  recordedAt: string;
  actor: { userId: string; role: string; departmentId: string };
  relation: 'before' | 'during' | 'after';
}
export interface ConsentHistory {
  consents: ConsentRecord[];
  history: ConsentHistoryItem[];
}

const day = (iso: string): string => iso.slice(0, 10);
const STATE: Record<ConsentRecord['stateAtMonthEnd'], string> = {
  active: 'active at month end',
  revoked: 'revoked by month end',
  future: 'obtained after this month',
};
const RELATION: Record<ConsentHistoryItem['relation'], string> = {
  before: 'before this month',
  during: 'this month',
  after: 'after this month',
};

/** query-api's consent history of the patient for the selected month: state per consent, then every event. */
export function ConsentHistoryCard({ month, data }: { month: string; data: ConsentHistory }) {
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="consent-history-h">
      <Title order={3} id="consent-history-h" size="h4" mb="xs">
        Consent state and history ({month})
      </Title>
      {data.consents.length === 0 && <Text size="sm">No consent recorded.</Text>}
      {data.consents.length > 0 && (
        <Table data-testid="consents" mb="sm">
          <Table.Caption>State of each consent in {month}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Consent</Table.Th>
              <Table.Th>Program</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Method</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.consents.map((c) => (
              <Table.Tr key={c.consentId} data-consent={c.consentId} data-state={c.stateAtMonthEnd}>
                <Table.Td>
                  <Text size="xs">{c.consentId}</Text>
                </Table.Td>
                <Table.Td>{c.program}</Table.Td>
                <Table.Td>
                  <Badge color="dark" variant="outline" data-testid="consent-month-state">
                    {STATE[c.stateAtMonthEnd]}
                  </Badge>
                  <Text size="xs">
                    {c.inForceDuringMonth ? 'in force during the month' : 'not in force this month'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {c.method}
                  {c.costSharingExplained ? '' : ' (cost sharing not explained)'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {data.history.length > 0 && (
        <Table data-testid="consent-history">
          <Table.Caption>Every capture and revocation</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Effective</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Recorded by</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.history.map((h) => (
              <Table.Tr
                key={`${h.type}|${h.consentId}|${h.recordedAt}`}
                data-type={h.type}
                data-consent={h.consentId}
              >
                <Table.Td>
                  {day(h.effectiveAt)}
                  <Text size="xs">{RELATION[h.relation]}</Text>
                </Table.Td>
                <Table.Td>
                  {h.type === 'ConsentGranted' ? 'captured' : 'revoked'} {h.program ?? ''} (
                  {h.method ?? 'unknown method'})<Text size="xs">{h.consentId}</Text>
                </Table.Td>
                <Table.Td>
                  {h.actor.userId} ({h.actor.role}, {h.actor.departmentId})
                  <Text size="xs">recorded {day(h.recordedAt)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
