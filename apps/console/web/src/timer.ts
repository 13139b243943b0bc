import { useCallback, useEffect, useState } from 'react';
import { api, tenantPath } from './api';

/** A running care-time timer, kept in localStorage so it survives a reload. */
export interface TimerState {
  patientId: string;
  program: string;
  activity: string;
  performerRole: string;
  billingPractitionerId: string;
  departmentId: string | null;
  /** Made when the timer starts: the entry id and the idempotency key of its one submission. */
  entryId: string;
  idempotencyKey: string;
  startedAt: string;
  accumulatedMs: number;
  runningSince: number | null;
  status: 'running' | 'paused' | 'submitting' | 'failed';
  error?: string;
}

const KEY = 'careledger.timer';

export function loadTimer(): TimerState | null {
  const raw = localStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as TimerState) : null;
}
function saveTimer(t: TimerState | null): void {
  if (t) localStorage.setItem(KEY, JSON.stringify(t));
  else localStorage.removeItem(KEY);
}

export function elapsedMs(t: TimerState, now = Date.now()): number {
  return t.accumulatedMs + (t.runningSince === null ? 0 : now - t.runningSince);
}
export function timerMinutes(t: TimerState, now = Date.now()): number {
  return Math.max(1, Math.round(elapsedMs(t, now) / 60_000));
}

export type TimerStart = Pick<
  TimerState,
  'patientId' | 'program' | 'activity' | 'performerRole' | 'billingPractitionerId' | 'departmentId'
>;

/** The timer and its actions; `onSubmitted` gets the global position the projector must reach. */
export function useTimer(performerId: string, onSubmitted: (position: number) => void) {
  const [timer, setTimer] = useState<TimerState | null>(loadTimer);
  const [now, setNow] = useState(Date.now());
  const update = useCallback((t: TimerState | null) => {
    saveTimer(t);
    setTimer(t);
  }, []);

  useEffect(() => {
    if (timer?.status !== 'running') return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [timer?.status]);

  const start = (s: TimerStart): void => {
    const now = Date.now();
    update({
      ...s,
      entryId: `cl-${crypto.randomUUID()}`,
      idempotencyKey: crypto.randomUUID(),
      startedAt: new Date(now).toISOString(),
      accumulatedMs: 0,
      runningSince: now,
      status: 'running',
    });
  };
  const pause = (): void => {
    if (!timer || timer.runningSince === null) return;
    update({ ...timer, accumulatedMs: elapsedMs(timer), runningSince: null, status: 'paused' });
  };
  const resume = (): void => {
    if (!timer || timer.runningSince !== null) return;
    update({ ...timer, runningSince: Date.now(), status: 'running' });
  };
  const discard = (): void => update(null);
  /** Stops and submits; a retry after a failure reuses the same idempotency key and entry id. */
  const stop = async (): Promise<void> => {
    if (!timer) return;
    const stopped: TimerState = {
      ...timer,
      accumulatedMs: elapsedMs(timer),
      runningSince: null,
      status: 'submitting',
    };
    update(stopped);
    try {
      const res = await api<{ globalPosition: number }>(
        'care',
        `${tenantPath()}/patients/${encodeURIComponent(stopped.patientId)}/care-time`,
        {
          method: 'POST',
          idempotencyKey: stopped.idempotencyKey,
          retries: 5,
          body: {
            entryId: stopped.entryId,
            program: stopped.program,
            performerId,
            performerRole: stopped.performerRole,
            billingPractitionerId: stopped.billingPractitionerId,
            startedAt: stopped.startedAt,
            minutes: timerMinutes(stopped),
            activity: stopped.activity,
            ...(stopped.departmentId ? { departmentId: stopped.departmentId } : {}),
          },
        },
      );
      update(null);
      onSubmitted(res.globalPosition);
    } catch (e) {
      update({ ...stopped, status: 'failed', error: e instanceof Error ? e.message : String(e) });
    }
  };
  return { timer, now, start, pause, resume, stop, discard };
}
