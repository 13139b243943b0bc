import {
  Anchor,
  Badge,
  Group,
  Pagination,
  Select,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { allPages, currentMonth, monthsBack, tenantPath } from '../api';
import { navigate } from '../router';
import { hasRole, type Session } from '../session';
import { PATIENT_ROLES } from '../access';
import { Loading, ScreenTitle, useLoad } from './common';

export interface WorklistRow {
  patientId: string;
  month: string;
  program: string;
  practitionerId: string;
  countedMinutes: number;
  billedCodes: string[];
  nextThreshold: number | null;
  minutesToNext: number | null;
  nextCode: string | null;
  departmentIds: string[];
}
interface EligibilityRow {
  patientId: string;
  program: string;
  eligible: boolean;
  reasons: string[];
}

export const PROGRAMS = ['CCM', 'PCM', 'BHI', 'CoCM', 'APCM', 'TCM', 'RPM'];
const PAGE = 50;
type SortKey = 'minutesToNext' | 'countedMinutes' | 'patientId' | 'program';

const consentMissing = (e: EligibilityRow | undefined): boolean =>
  !!e && e.reasons.some((r) => /CONSENT/.test(r));

/** Minutes to the next threshold for the current month, with filters, sorting and paging. */
export function Worklist({ session }: { session: Session }) {
  const [month, setMonth] = useState(
    () => new URLSearchParams(window.location.search).get('month') ?? currentMonth(),
  );
  const [department, setDepartment] = useState<string | null>(null);
  const [program, setProgram] = useState<string | null>(null);
  const [practitioner, setPractitioner] = useState('');
  const [eligibility, setEligibility] = useState<string | null>('any');
  const [consent, setConsent] = useState<string | null>('any');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'minutesToNext', desc: false });
  const [page, setPage] = useState(1);

  const query = new URLSearchParams({ month });
  if (department) query.set('departmentId', department);
  if (program) query.set('program', program);
  if (/^[A-Za-z0-9._:@-]{1,128}$/.test(practitioner)) query.set('practitionerId', practitioner);
  const state = useLoad(async () => {
    const [rows, elig] = await Promise.all([
      allPages<WorklistRow>('query', `${tenantPath()}/worklist?${query.toString()}`),
      allPages<EligibilityRow>(
        'query',
        `${tenantPath()}/eligibility?${query.toString()}`.replace(/&?practitionerId=[^&]*/, ''),
      ),
    ]);
    return {
      dataAt: performance.now(),
      rows,
      elig: new Map(elig.map((e) => [`${e.patientId}|${e.program}`, e])),
    };
  }, [query.toString()]);

  useEffect(() => setPage(1), [query.toString(), eligibility, consent, sort.key, sort.desc]);

  const rows = useMemo(() => {
    if (!state.data) return [];
    const { rows, elig } = state.data;
    const filtered = rows.filter((r) => {
      const e = elig.get(`${r.patientId}|${r.program}`);
      if (eligibility === 'eligible' && !e?.eligible) return false;
      if (eligibility === 'not-eligible' && e?.eligible !== false) return false;
      if (consent === 'missing' && !consentMissing(e)) return false;
      if (consent === 'present' && consentMissing(e)) return false;
      return true;
    });
    const dir = sort.desc ? -1 : 1;
    const val = (r: WorklistRow): number | string => {
      const v = r[sort.key];
      return v === null ? Number.POSITIVE_INFINITY : v;
    };
    return filtered.sort((a, b) => {
      const x = val(a);
      const y = val(b);
      return (x < y ? -1 : x > y ? 1 : a.patientId.localeCompare(b.patientId)) * dir;
    });
  }, [state.data, eligibility, consent, sort]);

  const table = useRef<HTMLTableElement>(null);
  useEffect(() => {
    if (!state.data || !table.current) return;
    // From the data's arrival to this commit of the table (reported by the browser test).
    table.current.dataset.renderMs = (performance.now() - state.data.dataAt).toFixed(1);
  }, [state.data]);

  const th = (key: SortKey, label: string) => (
    <Table.Th aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <UnstyledButton
        onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : false }))}
        fw={700}
        fz="sm"
      >
        {label} {sort.key === key ? (sort.desc ? '▼' : '▲') : ''}
      </UnstyledButton>
    </Table.Th>
  );
  const canOpen = hasRole(session, PATIENT_ROLES);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const shown = rows.slice((page - 1) * PAGE, page * PAGE);

  return (
    <>
      <ScreenTitle>Worklist · {month}</ScreenTitle>
      <Group mb="md" align="end" role="search" aria-label="Worklist filters">
        <Select
          label="Month"
          data={monthsBack(6)}
          value={month}
          onChange={(v) => v && setMonth(v)}
          allowDeselect={false}
          w={120}
        />
        <Select
          label="Department"
          placeholder="All"
          data={session.departments}
          value={department}
          onChange={setDepartment}
          clearable
          w={190}
        />
        <Select
          label="Program"
          placeholder="All"
          data={PROGRAMS}
          value={program}
          onChange={setProgram}
          clearable
          w={120}
        />
        <TextInput
          label="Practitioner"
          placeholder="e.g. DR-A1"
          value={practitioner}
          onChange={(e) => setPractitioner(e.currentTarget.value.trim())}
          w={140}
        />
        <Select
          label="Eligibility"
          data={[
            { value: 'any', label: 'Any' },
            { value: 'eligible', label: 'Eligible' },
            { value: 'not-eligible', label: 'Not eligible' },
          ]}
          value={eligibility}
          onChange={setEligibility}
          allowDeselect={false}
          w={140}
        />
        <Select
          label="Consent"
          data={[
            { value: 'any', label: 'Any' },
            { value: 'present', label: 'Consent on file' },
            { value: 'missing', label: 'Consent missing' },
          ]}
          value={consent}
          onChange={setConsent}
          allowDeselect={false}
          w={170}
        />
      </Group>
      <Loading state={state}>
        {() => (
          <>
            <Text size="sm" mb="xs" aria-live="polite" data-testid="worklist-count">
              {rows.length} rows
            </Text>
            <Table striped highlightOnHover ref={table} data-testid="worklist" aria-label="Worklist">
              <Table.Thead>
                <Table.Tr>
                  {th('patientId', 'Patient')}
                  {th('program', 'Program')}
                  <Table.Th>Practitioner</Table.Th>
                  {th('countedMinutes', 'Minutes')}
                  <Table.Th>Billed</Table.Th>
                  {th('minutesToNext', 'To next threshold')}
                  <Table.Th>Eligibility</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((r) => {
                  const e = state.data!.elig.get(`${r.patientId}|${r.program}`);
                  return (
                    <Table.Tr
                      key={`${r.patientId}|${r.program}|${r.practitionerId}`}
                      data-patient={r.patientId}
                      data-program={r.program}
                    >
                      <Table.Td>
                        {canOpen ? (
                          <Anchor
                            href={`/patients/${encodeURIComponent(r.patientId)}`}
                            onClick={(ev) => {
                              ev.preventDefault();
                              navigate(`/patients/${encodeURIComponent(r.patientId)}`);
                            }}
                          >
                            {r.patientId}
                          </Anchor>
                        ) : (
                          r.patientId
                        )}
                      </Table.Td>
                      <Table.Td>{r.program}</Table.Td>
                      <Table.Td>{r.practitionerId}</Table.Td>
                      <Table.Td data-testid="counted">{r.countedMinutes}</Table.Td>
                      <Table.Td data-testid="billed">{r.billedCodes.join(', ') || '—'}</Table.Td>
                      <Table.Td data-testid="to-next">
                        {r.minutesToNext === null
                          ? 'all thresholds met'
                          : `${r.minutesToNext} min to ${r.nextCode} (${r.nextThreshold})`}
                      </Table.Td>
                      <Table.Td>
                        {e ? (
                          <Badge color="dark" variant="outline">
                            {e.eligible ? 'eligible' : e.reasons.join(', ')}
                          </Badge>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            <Pagination
              mt="md"
              total={pages}
              value={page}
              onChange={setPage}
              getControlProps={(c) => ({ 'aria-label': `${c} page` })}
            />
          </>
        )}
      </Loading>
    </>
  );
}
