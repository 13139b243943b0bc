import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Pool } from 'pg';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { loadScenarioFile } from '@careledger/testing';
import { migrateTestDatabase, testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import {
  type AcceptedEntry,
  compareReadModels,
  entryEffects,
  minutesEffects,
  tallyTopic,
} from './support/effect-checks';

/**
 * The fault run's checks can fail (issue 20, ADR 0806): the same events are projected into the test
 * database and a second "rebuild" database on the real PostgreSQL; each check passes on the clean state
 * and fails once the fault it looks for is injected into the rows.
 */
const run = randomBytes(3).toString('hex');
const tenantId = `checks-${run}`;
const config = testConfig();
const rebuildDb = { ...config.db, database: `${config.db.database}_rebuild` };
const scenario = path.resolve(
  __dirname,
  '../../../shared/conformance/scenarios/03-ccm-staff-exactly-40-one-addon.json',
);
const live = new Pool({ ...config.db, password: config.db.password || undefined, max: 2 });
let rebuild: Pool;
let accepted: AcceptedEntry[] = [];

async function project(pool: Pool, events: ContractEvent[], seed = run): Promise<void> {
  const engine = new ProjectionEngine({
    pool,
    determine: determineMonth,
    reference: loadReferenceData(config.dataDir),
    deadLetter: async () => undefined,
  });
  const version = (await readProjectionState(pool)).activeVersion;
  const messages = toRecordedEvents(events, seed).map((e, i) => ({
    offset: String(i),
    value: Buffer.from(JSON.stringify(e)),
  }));
  await engine.applyBatch({ version, topic: `test.checks.${seed}`, partition: 0, messages });
}

beforeAll(async () => {
  await migrateTestDatabase(rebuildDb);
  rebuild = new Pool({ ...rebuildDb, password: rebuildDb.password || undefined, max: 2 });
  const events = loadScenarioFile(scenario).events.map((e) => ({ ...e, tenantId }));
  accepted = events
    .filter((e) => e.type === 'CareTimeLogged')
    .map((e) => {
      const d = e.data as { entryId: string; minutes: number; startedAt: string };
      return {
        entryId: d.entryId,
        patientId: e.patientId!,
        month: d.startedAt.slice(0, 7),
        minutes: d.minutes,
      };
    });
  expect(accepted.length).toBeGreaterThanOrEqual(3);
  await project(live, events);
  await project(rebuild, events);
}, 120_000);

afterAll(async () => {
  await live.end();
  await rebuild?.end();
});

const activeVersion = async (pool: Pool) => (await readProjectionState(pool)).activeVersion;

describe('minutes per patient-month against the accepted commands', () => {
  it('passes on the projected state, fails when an event is counted twice or lost', async () => {
    expect(await minutesEffects(live, tenantId, accepted)).toEqual([]);
    const version = await activeVersion(rebuild);
    // Injected fault: one entry's minutes applied a second time in the rebuild's copy.
    await rebuild.query(
      `UPDATE monthly_minutes SET raw_minutes = raw_minutes + 15, entry_count = entry_count + 1
        WHERE model_version = $1 AND tenant_id = $2 AND ctid = (SELECT ctid FROM monthly_minutes
          WHERE model_version = $1 AND tenant_id = $2 LIMIT 1)`,
      [version, tenantId],
    );
    expect(await minutesEffects(rebuild, tenantId, accepted)).toEqual([
      expect.stringMatching(/^P03 2025-04: \d+ min in 4 entries, expected 40 in 3$/),
    ]);
    // And a lost command: one accepted entry more than the read model holds.
    const lost = [...accepted, { ...accepted[0]!, entryId: 'never-projected' }];
    expect(await minutesEffects(live, tenantId, lost)).toHaveLength(1);
  });
});

describe('effects per entry (excluded once, named once per billing code)', () => {
  it('passes on the projected state, fails when an entry is counted twice by a billing line', async () => {
    expect(await entryEffects(live, tenantId)).toEqual([]);
    const version = await activeVersion(rebuild);
    const { rowCount } = await rebuild.query(
      `UPDATE billing_lines SET entry_ids = entry_ids || entry_ids[1:1]
        WHERE model_version = $1 AND tenant_id = $2 AND cardinality(entry_ids) > 0`,
      [version, tenantId],
    );
    expect(rowCount).toBeGreaterThan(0);
    expect((await entryEffects(rebuild, tenantId)).join('\n')).toMatch(/entry P03-E\d counted 2 times/);
  });
});

describe('live read models against a clean rebuild, row by row', () => {
  it('finds equal rows in two databases projected from the same events', async () => {
    const fresh = `${tenantId}-eq`;
    const events = loadScenarioFile(scenario).events.map((e) => ({ ...e, tenantId: fresh }));
    await project(live, events, fresh);
    await project(rebuild, events, fresh);
    const result = await compareReadModels(
      { pool: live, tenantId: fresh },
      { pool: rebuild, tenantId: fresh },
    );
    expect(result.diffs).toEqual([]);
    expect(result.rows).toBeGreaterThan(10);
  });

  it('fails on one changed column (which per-patient sums miss) and on missing rows', async () => {
    const t = `${tenantId}-ne`;
    const events = loadScenarioFile(scenario).events.map((e) => ({ ...e, tenantId: t }));
    await project(live, events, t);
    await project(rebuild, events, t);
    const version = await activeVersion(rebuild);
    // A changed column that a per-patient sum would not see: the practitioner of a billing line.
    await rebuild.query(
      `UPDATE billing_lines SET practitioner_id = 'DR-OTHER' WHERE model_version = $1 AND tenant_id = $2 AND line_no = 1`,
      [version, t],
    );
    await rebuild.query(`DELETE FROM eligibility WHERE model_version = $1 AND tenant_id = $2`, [version, t]);
    const tables = (
      await compareReadModels({ pool: live, tenantId: t }, { pool: rebuild, tenantId: t })
    ).diffs.map((d) => d.table);
    expect(tables).toEqual(expect.arrayContaining(['billing_lines', 'eligibility']));
  });
});

describe('topic tally: redelivered is not duplicated', () => {
  it('given one event at two offsets and one stored event never published, then it counts both apart', () => {
    const tally = tallyTopic(
      [
        { eventId: 'a', partition: 0, offset: '1' },
        { eventId: 'a', partition: 0, offset: '7' },
        { eventId: 'b', partition: 1, offset: '2' },
      ],
      ['a', 'b', 'c'],
    );
    expect(tally).toEqual({ distinct: 2, redelivered: 1, missing: 1, unknown: 0 });
  });
});
