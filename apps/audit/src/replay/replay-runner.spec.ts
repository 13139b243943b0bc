import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContractEvent } from '@careledger/domain';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { DETERMINE_MONTH } from './replay-context';
import { ReplayEventLog } from './replay-event-log';
import { parseReplayOptions } from './replay-options';
import { evaluateReplay } from './replay-runner';
import { RecordedStreams } from './replay-fixtures.spec-helper';

/**
 * Given the shared conformance scenario 02 (CCM staff time exactly 20 minutes -> 99490), a claim of
 * 99490 recorded on April 2 and a late 20-minute entry of March recorded on April 20: through the
 * real rules engine, the replay now bills 99439 too and explains the mismatch by the late entry,
 * while a replay as of April 10 reproduces what was claimed.
 */
const scenario = JSON.parse(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../../shared/conformance/scenarios/02-ccm-staff-exactly-20.json'),
    'utf8',
  ),
) as { tenantId: string; events: ContractEvent[] };

function given(): { log: ReplayEventLog; lateEventId: string; claimEventId: string } {
  const streams = new RecordedStreams();
  for (const e of scenario.events) streams.append(e);
  const envelope = { schemaVersion: 1 as const, tenantId: scenario.tenantId, patientId: 'P02' };
  const actor = { userId: 'u-billing-1', role: 'billing', departmentId: 'billing' };
  const claim = streams.append({
    ...envelope,
    type: 'MonthClaimed',
    occurredAt: '2025-04-02T09:00:00-04:00',
    recordedAt: '2025-04-02T13:00:00Z',
    actor,
    data: {
      month: '2025-03',
      program: 'CCM',
      billingPractitionerId: 'DR-PCP1',
      lines: [{ code: '99490', units: 1 }],
    },
  });
  const late = streams.append({
    ...envelope,
    type: 'CareTimeLogged',
    occurredAt: '2025-03-27T10:00:00-04:00',
    recordedAt: '2025-04-20T15:00:00Z',
    actor: { userId: 'u-rn-1', role: 'care_manager', departmentId: 'care-management' },
    data: {
      entryId: 'P02-E9',
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: '2025-03-27T10:00:00-04:00',
      minutes: 20,
      activity: 'synthetic follow-up call',
    },
  });
  const log = new ReplayEventLog(scenario.tenantId);
  // Arrival order must not matter: deliver the streams back to front.
  for (const e of [...streams.all].reverse()) log.add(e);
  return { log, lateEventId: late.eventId, claimEventId: claim.eventId };
}

/** The shipped ICD-10-CM data (shared/data): chronic status decides CCM eligibility. */
const deps = { determineMonth: DETERMINE_MONTH, referenceData: loadReferenceData(loadConfig({}).dataDir) };

describe('evaluateReplay with the real rules engine', () => {
  it('given a late entry after the claim, when replayed now, then the mismatch is explained by that entry', () => {
    const { log, lateEventId, claimEventId } = given();
    const now = evaluateReplay(
      log,
      parseReplayOptions({ tenant: scenario.tenantId, month: '2025-03' }),
      deps,
    );
    expect(now.determinations.map((d) => d.patientId)).toEqual(['P02']);
    expect(now.determinations[0]!.lines.map((l) => l.code).sort()).toEqual(['99439', '99490']);
    expect(now.claimMismatches).toHaveLength(1);
    const m = now.claimMismatches[0]!;
    expect(m).toMatchObject({
      patientId: 'P02',
      program: 'CCM',
      claimEventId,
      claimed: [{ code: '99490', units: 1, practitionerId: 'DR-PCP1' }],
      missing: [],
      extra: [{ code: '99439', units: 1, practitionerId: 'DR-PCP1' }],
    });
    expect(m.causes).toEqual([
      expect.objectContaining({ eventId: lateEventId, entryId: 'P02-E9', why: ['RECORDED_AFTER_CLAIM'] }),
    ]);
  });

  it('given the same events, when replayed as of a time before the late entry, then the claim matches', () => {
    const { log } = given();
    const before = evaluateReplay(
      log,
      parseReplayOptions({ tenant: scenario.tenantId, month: '2025-03', asOf: '2025-04-10T00:00:00-04:00' }),
      deps,
    );
    expect(before.determinations[0]!.lines.map((l) => ({ code: l.code, units: l.units }))).toEqual([
      { code: '99490', units: 1 },
    ]);
    expect(before.claimMismatches).toEqual([]);
  });
});
