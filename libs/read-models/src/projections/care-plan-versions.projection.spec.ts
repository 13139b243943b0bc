import type { ContractEvent } from '@careledger/domain';
import { carePlanVersionRows } from './care-plan-versions.projection';

const actor = { userId: 'u1', role: 'practitioner', departmentId: 'primary-care' };
const base = { schemaVersion: 1 as const, tenantId: 't', patientId: 'P1', actor };

describe('care-plan versions', () => {
  it('given an establishment and a revision, then two versions with dates, authors and the diff', () => {
    const events = [
      {
        ...base,
        type: 'CarePlanEstablished',
        eventId: 'e1',
        occurredAt: '2025-03-01T10:00:00Z',
        recordedAt: '2025-03-01T10:00:00Z',
        data: {
          carePlanId: 'CP1',
          program: 'CCM',
          kind: 'comprehensive',
          establishedOn: '2025-03-01',
          authorId: 'DR1',
          problems: ['E11'],
          goals: ['goal a'],
          interventions: ['call weekly'],
          sharedWithPatient: true,
          mdm: 'moderate',
        },
      },
      {
        ...base,
        type: 'CarePlanRevised',
        eventId: 'e2',
        occurredAt: '2025-04-02T10:00:00Z',
        recordedAt: '2025-04-02T10:00:00Z',
        data: {
          carePlanId: 'CP1',
          revisedOn: '2025-04-02',
          authorId: 'NP1',
          changes: { goals: ['goal a', 'goal b'] },
          substantial: false,
        },
      },
    ] as (ContractEvent & { eventId: string })[];
    const rows = carePlanVersionRows('t', 'P1', events);
    expect(rows.map((r) => [r.version, r.author_id, r.effective_from, r.effective_to])).toEqual([
      [1, 'DR1', '2025-03-01', '2025-04-02'],
      [2, 'NP1', '2025-04-02', null],
    ]);
    expect(rows[1]!.content).toEqual({
      problems: ['E11'],
      goals: ['goal a', 'goal b'],
      interventions: ['call weekly'],
    });
    expect(rows[1]!.diff).toEqual({ goals: { added: ['goal b'], removed: [] } });
    expect(rows[0]!.diff['problems']).toEqual({ added: ['E11'], removed: [] });
  });
});
