import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api, tenantPath } from '../api';
import { hasRole, type Session } from '../session';
import { timerMinutes, useTimer } from '../timer';
import { PROGRAMS } from './Worklist';

const WRITERS = ['care_manager', 'practitioner'] as const;
const PERFORMER_ROLES = ['clinical_staff', 'physician', 'qhp', 'bhcm', 'psychiatric_consultant'];

interface PanelProps {
  session: Session;
  patientId: string;
  providers: Record<string, string>;
  onSubmitted: (position: number) => void;
}

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function firstProgram(providers: Record<string, string>): string {
  return Object.keys(providers)[0] ?? 'CCM';
}

/** A date input's value as an instant: today is now; another day is its noon UTC. */
function instantOf(date: string): string {
  const today = new Date().toISOString().slice(0, 10);
  return !date || date === today ? new Date().toISOString() : `${date}T12:00:00Z`;
}

/** Start, pause, resume and stop; the entry is submitted once (idempotency key made at start). */
export function TimerPanel({ session, patientId, providers, onSubmitted }: PanelProps) {
  const t = useTimer(session.sub, onSubmitted);
  const [program, setProgram] = useState(firstProgram(providers));
  const [activity, setActivity] = useState('Care coordination call');
  const [performerRole, setPerformerRole] = useState('clinical_staff');
  if (!hasRole(session, [...WRITERS])) return null;
  const timer = t.timer;
  const other = timer && timer.patientId !== patientId;
  const elapsed = timer
    ? timer.accumulatedMs + (timer.runningSince === null ? 0 : t.now - timer.runningSince)
    : 0;
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="timer-h">
      <Title order={3} id="timer-h" size="h4" mb="xs">
        Time tracking
      </Title>
      {other && (
        <Alert color="yellow" mb="xs">
          A timer is running for patient {timer.patientId}; stop it there first.
        </Alert>
      )}
      {!timer && (
        <Stack gap="xs">
          <Select
            label="Program"
            data={PROGRAMS}
            value={program}
            onChange={(v) => v && setProgram(v)}
            allowDeselect={false}
          />
          <Select
            label="Performer role"
            data={PERFORMER_ROLES}
            value={performerRole}
            onChange={(v) => v && setPerformerRole(v)}
            allowDeselect={false}
          />
          <TextInput label="Activity" value={activity} onChange={(e) => setActivity(e.currentTarget.value)} />
          <Button
            onClick={() =>
              t.start({
                patientId,
                program,
                activity,
                performerRole,
                billingPractitionerId: providers[program] ?? Object.values(providers)[0] ?? 'unknown',
                departmentId: session.departments.includes('care-management')
                  ? 'care-management'
                  : (session.departments[0] ?? null),
              })
            }
          >
            Start timer
          </Button>
        </Stack>
      )}
      {timer && !other && (
        <Stack gap="xs">
          <Text size="sm">
            {timer.program} · {timer.activity}
          </Text>
          <Text fz={32} ff="monospace" data-testid="timer-clock" aria-live="off">
            {clock(elapsed)}
          </Text>
          <Text size="sm" data-testid="timer-status" aria-live="polite">
            {timer.status}
            {timer.error ? `: ${timer.error}` : ''}
          </Text>
          <Group>
            {timer.status === 'running' && <Button onClick={t.pause}>Pause</Button>}
            {timer.status === 'paused' && <Button onClick={t.resume}>Resume</Button>}
            {(timer.status === 'running' || timer.status === 'paused') && (
              <Button color="teal.9" onClick={() => void t.stop()}>
                Stop and submit {timerMinutes(timer, t.now)} min
              </Button>
            )}
            {timer.status === 'failed' && <Button onClick={() => void t.stop()}>Retry submit</Button>}
            {timer.status !== 'submitting' && (
              <Button variant="default" onClick={t.discard}>
                Discard
              </Button>
            )}
          </Group>
        </Stack>
      )}
    </Card>
  );
}

function useSubmit(onSubmitted: (p: number) => void) {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (path: string, body: unknown, done: string): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      const res = await api<{ globalPosition: number }>('care', `${tenantPath()}${path}`, {
        method: 'POST',
        body,
        idempotencyKey: crypto.randomUUID(),
      });
      setMessage({ ok: true, text: done });
      onSubmitted(res.globalPosition);
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  const note = message && (
    <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} mt="xs">
      {message.text}
    </Alert>
  );
  return { submit, busy, note };
}

const department = (s: Session): string | undefined =>
  s.departments.includes('care-management') ? 'care-management' : s.departments[0];

/** Manual or backdated entries (with the reason), and amending or voiding an entry. */
export function EntryPanel({ session, patientId, providers, onSubmitted }: PanelProps) {
  const [mode, setMode] = useState('manual');
  const [program, setProgram] = useState(firstProgram(providers));
  const [minutes, setMinutes] = useState<number | string>(10);
  const [startedAt, setStartedAt] = useState(new Date().toISOString().slice(0, 16));
  const [reason, setReason] = useState('');
  const [entryId, setEntryId] = useState('');
  const s = useSubmit(onSubmitted);
  if (!hasRole(session, [...WRITERS])) return null;
  const pid = encodeURIComponent(patientId);
  const go = (): void => {
    if (mode === 'manual') {
      void s.submit(
        `/patients/${pid}/care-time`,
        {
          entryId: `cl-${crypto.randomUUID()}`,
          program,
          performerId: session.sub,
          performerRole: 'clinical_staff',
          billingPractitionerId: providers[program] ?? Object.values(providers)[0] ?? 'unknown',
          startedAt: new Date(`${startedAt}:00Z`).toISOString(),
          minutes: Number(minutes),
          activity: `Manual entry: ${reason}`,
          departmentId: department(session),
        },
        'Entry recorded',
      );
    } else if (mode === 'amend') {
      void s.submit(
        `/patients/${pid}/care-time/${encodeURIComponent(entryId)}/amendments`,
        { minutes: Number(minutes), reason, departmentId: department(session) },
        'Entry amended',
      );
    } else {
      void s.submit(
        `/patients/${pid}/care-time/${encodeURIComponent(entryId)}/void`,
        { reason, departmentId: department(session) },
        'Entry voided',
      );
    }
  };
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="entry-h">
      <Title order={3} id="entry-h" size="h4" mb="xs">
        Manual entries
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          go();
        }}
      >
        <Stack gap="xs">
          <SegmentedControl
            aria-label="Kind of change"
            value={mode}
            onChange={setMode}
            data={[
              { value: 'manual', label: 'New / backdated' },
              { value: 'amend', label: 'Amend' },
              { value: 'void', label: 'Void' },
            ]}
          />
          {mode === 'manual' && (
            <Select
              label="Program"
              data={PROGRAMS}
              value={program}
              onChange={(v) => v && setProgram(v)}
              allowDeselect={false}
            />
          )}
          {mode === 'manual' && (
            <TextInput
              label="Started at (UTC)"
              type="datetime-local"
              value={startedAt}
              onChange={(e) => setStartedAt(e.currentTarget.value)}
            />
          )}
          {mode !== 'manual' && (
            <TextInput
              label="Entry id"
              value={entryId}
              onChange={(e) => setEntryId(e.currentTarget.value.trim())}
              required
            />
          )}
          {mode !== 'void' && (
            <NumberInput label="Minutes" min={1} max={1440} value={minutes} onChange={setMinutes} />
          )}
          <TextInput
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            required
          />
          <Button type="submit" loading={s.busy}>
            {mode === 'manual' ? 'Record entry' : mode === 'amend' ? 'Amend entry' : 'Void entry'}
          </Button>
        </Stack>
      </form>
      {s.note}
    </Card>
  );
}

/** Consent capture (method, cost sharing explained) and revocation. */
export function ConsentPanel({
  session,
  patientId,
  providers,
  onSubmitted,
  onFile = [],
}: PanelProps & { onFile?: string[] }) {
  const [program, setProgram] = useState(firstProgram(providers));
  const [method, setMethod] = useState('verbal');
  const [explained, setExplained] = useState(true);
  const [revokeId, setRevokeId] = useState('');
  const [obtainedOn, setObtainedOn] = useState(new Date().toISOString().slice(0, 10));
  const [revokedOn, setRevokedOn] = useState(new Date().toISOString().slice(0, 10));
  const [captured, setCaptured] = useState<string[]>(
    () => JSON.parse(sessionStorage.getItem(`careledger.consents.${patientId}`) ?? '[]') as string[],
  );
  const s = useSubmit(onSubmitted);
  if (!hasRole(session, [...WRITERS])) return null;
  const pid = encodeURIComponent(patientId);
  const capture = (): void => {
    const consentId = `cl-${crypto.randomUUID()}`;
    const next = [...captured, consentId];
    setCaptured(next);
    sessionStorage.setItem(`careledger.consents.${patientId}`, JSON.stringify(next));
    setRevokeId(consentId);
    void s.submit(
      `/patients/${pid}/consents`,
      {
        consentId,
        program,
        billingPractitionerId: providers[program] ?? Object.values(providers)[0] ?? 'unknown',
        method,
        obtainedAt: instantOf(obtainedOn),
        costSharingExplained: explained,
        departmentId: department(session),
      },
      `Consent ${consentId} recorded`,
    );
  };
  const revoke = (): void =>
    void s.submit(
      `/patients/${pid}/consents/${encodeURIComponent(revokeId)}/revoke`,
      { revokedAt: instantOf(revokedOn), departmentId: department(session) },
      `Consent ${revokeId} revoked`,
    );
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="consent-h">
      <Title order={3} id="consent-h" size="h4" mb="xs">
        Consent
      </Title>
      <Stack gap="xs">
        <Group grow>
          <Select
            label="Consent program"
            data={PROGRAMS}
            value={program}
            onChange={(v) => v && setProgram(v)}
            allowDeselect={false}
          />
          <Select
            label="Method"
            data={['verbal', 'written']}
            value={method}
            onChange={(v) => v && setMethod(v)}
            allowDeselect={false}
          />
        </Group>
        <Checkbox
          label="Cost sharing explained"
          checked={explained}
          onChange={(e) => setExplained(e.currentTarget.checked)}
        />
        <TextInput
          label="Obtained on"
          type="date"
          value={obtainedOn}
          onChange={(e) => setObtainedOn(e.currentTarget.value)}
          description="A consent recorded after the fact keeps the day it was obtained"
        />
        <Button onClick={capture} loading={s.busy}>
          Record consent
        </Button>
        <TextInput
          label="Consent id to revoke"
          value={revokeId}
          onChange={(e) => setRevokeId(e.currentTarget.value.trim())}
          description={onFile.length ? `Not revoked: ${onFile.join(', ')}` : undefined}
        />
        <TextInput
          label="Revoked on"
          type="date"
          value={revokedOn}
          onChange={(e) => setRevokedOn(e.currentTarget.value)}
        />
        <Button color="red.9" variant="outline" onClick={revoke} disabled={!revokeId} loading={s.busy}>
          Revoke consent
        </Button>
      </Stack>
      {s.note}
    </Card>
  );
}
