import type { ContractEvent } from '@careledger/domain';
import { groupByStream } from '../lib/events-file';
import { pickSingleAppends } from './append.stage';

const ev = (tenantId: string, patientId?: string): ContractEvent =>
  ({
    type: patientId ? 'CareTimeLogged' : 'PracticeRegistered',
    schemaVersion: 1,
    tenantId,
    ...(patientId ? { patientId } : {}),
    occurredAt: '2025-06-01T10:00:00Z',
    recordedAt: '2025-06-01T10:00:00Z',
    actor: { kind: 'user', id: 'u1' },
    data: {},
  }) as unknown as ContractEvent;

describe('single-append events of the append stage', () => {
  it('given two tenants (tenant streams first), picks only patient events, renamed to -single tenants', () => {
    const streams = groupByStream([
      ev('t1'),
      ev('t1', 'p1'),
      ev('t2'),
      ev('t1', 'p1'),
      ev('t2', 'p9'),
      ev('t2', 'p9'),
    ]);
    expect(streams.map((s) => s.streamId)).toEqual(['t1', 't2', 't1:p1', 't2:p9']);
    const picked = pickSingleAppends(streams, 3);
    expect(picked).toHaveLength(3);
    expect(picked.map((e) => `${e.tenantId}:${e.patientId}`)).toEqual([
      't1-single:p1',
      't1-single:p1',
      't2-single:p9',
    ]);
  });

  it('stops at the requested count and returns fewer when there are fewer patient events', () => {
    const streams = groupByStream([ev('t1'), ev('t1', 'p1')]);
    expect(pickSingleAppends(streams, 0)).toEqual([]);
    expect(pickSingleAppends(streams, 5)).toHaveLength(1);
  });
});
