import type { RecordedEvent } from '@careledger/domain/events/event-types';
import { ReplayEventLog } from './replay-event-log';
import { ev, RecordedStreams } from './replay-fixtures.spec-helper';

function tenantWithTwoPatients(): RecordedStreams {
  const s = new RecordedStreams();
  s.append(
    ev('OrganizationRegistered', {
      organizationId: 'ORG',
      name: 'Clinic',
      timezone: 'America/New_York',
      kind: 'practice',
    }),
  );
  for (const p of ['P1', 'P2']) {
    s.append(ev('PatientRegistered', { organizationId: 'ORG' }, { patientId: p }));
    s.append(
      ev(
        'ConditionDiagnosed',
        { conditionId: 'c1', icd10: 'E11.9', diagnosedOn: '2024-01-02' },
        { patientId: p },
      ),
    );
    s.append(
      ev(
        'ConditionDiagnosed',
        { conditionId: 'c2', icd10: 'I10', diagnosedOn: '2024-01-02' },
        {
          patientId: p,
          recordedAt: '2025-04-10T12:00:00Z',
        },
      ),
    );
  }
  return s;
}

describe('ReplayEventLog', () => {
  it('given duplicate deliveries in any order, when added, then each event counts once and chains verify', () => {
    const s = tenantWithTwoPatients();
    const log = new ReplayEventLog('tenant-a');
    for (const e of [...s.all].reverse()) log.add(e);
    for (const e of s.all.slice(0, 3)) expect(log.add(e)).toBe(false);
    expect(log.size).toBe(s.all.length);
    expect(log.duplicatesDropped).toBe(3);
    expect(log.verifyChains()).toEqual([]);
  });

  it('given a tampered event, when chains are verified, then the first broken link of its stream is reported', () => {
    const s = tenantWithTwoPatients();
    const tampered = s.all.map((e) =>
      e.patientId === 'P2' && e.streamVersion === 2
        ? ({ ...e, data: { ...e.data, icd10: 'E10.9' } } as RecordedEvent)
        : e,
    );
    const log = new ReplayEventLog('tenant-a');
    tampered.forEach((e) => log.add(e));
    const target = s.all.find((e) => e.patientId === 'P2' && e.streamVersion === 2)!;
    expect(log.verifyChains()).toEqual([
      {
        streamId: 'tenant-a:P2',
        eventId: target.eventId,
        streamVersion: 2,
        globalPosition: target.globalPosition,
        reason: 'HASH_MISMATCH',
      },
    ]);
  });

  it('given a missing event, when chains are verified, then the gap is reported at the next version', () => {
    const s = tenantWithTwoPatients();
    const log = new ReplayEventLog('tenant-a');
    s.all.filter((e) => !(e.patientId === 'P1' && e.streamVersion === 2)).forEach((e) => log.add(e));
    const [br] = log.verifyChains();
    expect(br).toMatchObject({ streamId: 'tenant-a:P1', streamVersion: 3, reason: 'VERSION_GAP' });
  });

  it('given an as-of time, when split, then only events recorded at or before it are visible, reference apart', () => {
    const s = tenantWithTwoPatients();
    const log = new ReplayEventLog('tenant-a');
    s.all.forEach((e) => log.add(e));
    const before = log.visible('2025-04-10T11:59:59.999Z');
    expect(before.reference.map((e) => e.type)).toEqual(['OrganizationRegistered']);
    expect([...before.patients.keys()].sort()).toEqual(['P1', 'P2']);
    expect(before.patients.get('P1')!.map((e) => e.streamVersion)).toEqual([1, 2]);
    const atTheInstant = log.visible('2025-04-10T08:00:00-04:00');
    expect(atTheInstant.patients.get('P1')!.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(log.visible(null).count).toBe(s.all.length);
  });
});
