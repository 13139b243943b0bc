import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { mintDevToken } from '@careledger/auth';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { loadScenarioFile } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';

/**
 * The worklist of query-api shows the next threshold of the timed services of extension 1.2 (DMHT
 * G0553/G0554 and 99091), from read models the real projection engine wrote into PostgreSQL for the
 * histories of scenarios x201 (19 DMHT minutes) and x205 (25 minutes of 99091 time).
 */
const run = randomBytes(3).toString('hex');
const config = testConfig({
  CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
  CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
  CARELEDGER_LOG_LEVEL: 'warn',
});
const reference = loadReferenceData(config.dataDir);
const tenantId = `wl12-${run}`;
const scenario = (id: string) =>
  loadScenarioFile(path.join(__dirname, '../conformance/scenarios', `${id}.json`));

describe('worklist: next thresholds of the extension 1.2 timed services (real read models)', () => {
  let app: INestApplication;
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 2 });
  const get = async (p: string) =>
    request(app.getHttpServer())
      .get(p)
      .set(
        'authorization',
        `Bearer ${await mintDevToken(config, { tenantId, roles: ['care_manager'], departments: ['primary-care'] })}`,
      );

  beforeAll(async () => {
    // Both scenarios register the same organization and practitioners: keep the tenant events once.
    const seen = new Set<string>();
    const events: ContractEvent[] = [];
    for (const id of ['x201-dmht-below-20-minutes', 'x205-rpm-99091-below-30']) {
      for (const e of scenario(id).events) {
        const key = e.patientId
          ? `${e.patientId}|${JSON.stringify(e.data)}`
          : `${e.type}|${JSON.stringify(e.data)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        events.push({ ...e, tenantId });
      }
    }
    const version = (await readProjectionState(pool)).activeVersion;
    const engine = new ProjectionEngine({
      pool,
      determine: determineMonth,
      reference,
      deadLetter: async () => undefined,
    });
    const messages = toRecordedEvents(events, run).map((e, i) => ({
      offset: String(i),
      value: Buffer.from(JSON.stringify(e)),
    }));
    await engine.applyBatch({ version, topic: `test.wl12.${run}`, partition: 0, messages });
    app = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
      name: 'query-api',
      useLogger: false,
    });
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pool.end();
  });

  it.each([
    ['2026-03', 'PX201', 'DMHT', 19, 'G0553', 20, 1],
    ['2025-03', 'PX205', 'RPM_INTERPRETATION', 25, '99091', 30, 5],
  ])(
    'in %s, %s shows %s with %i minutes: next %s at %i, %i away',
    async (month, patientId, program, counted, nextCode, next, away) => {
      const res = await get(`/v1/tenants/${tenantId}/worklist?month=${month}`);
      expect(res.status).toBe(200);
      const items = (res.body.items as { patientId: string; program: string }[]).filter(
        (i) => i.patientId === patientId && i.program === program,
      );
      expect(items).toEqual([
        expect.objectContaining({
          practitionerId: 'DR-X1',
          countedMinutes: counted,
          nextCode,
          nextThreshold: next,
          minutesToNext: away,
        }),
      ]);
    },
  );
});
