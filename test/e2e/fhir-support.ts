import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { mintDevToken, type Role } from '@careledger/auth';
import { type CareLedgerConfig, type ConfigKey, loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';

export const DEPARTMENTS = [
  'primary-care',
  'care-management',
  'behavioral-health',
  'registration',
  'billing',
];

/** A generated tenant projected by the real engine into the test database, and query-api over it. */
export interface FhirFixture {
  app: INestApplication;
  pool: Pool;
  config: CareLedgerConfig;
  tenantId: string;
  run: string;
  events: ContractEvent[];
  version: number;
  token(roles?: Role[], tenant?: string, departments?: string[], sub?: string): Promise<string>;
  get(
    url: string,
    roles?: Role[],
    tenant?: string,
    departments?: string[],
    sub?: string,
  ): Promise<request.Response>;
  close(): Promise<void>;
}

/** Generates `patients` patients of one tenant, projects them, and starts query-api on the result. */
export async function fhirFixture(
  prefix: string,
  opts: { seed: number; patients: number; months: string[] },
  overrides: Partial<Record<ConfigKey, string>> = {},
): Promise<FhirFixture> {
  const run = randomBytes(3).toString('hex');
  const config = testConfig({
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
    CARELEDGER_LOG_LEVEL: 'warn',
    ...overrides,
  });
  const tenantId = `${prefix}-${run}`;
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 4 });
  const events = generateHealthSystem({ ...opts, tenantId });
  const version = (await readProjectionState(pool)).activeVersion;
  const engine = new ProjectionEngine({
    pool,
    determine: determineMonth,
    reference: loadReferenceData(config.dataDir),
    deadLetter: async () => undefined,
  });
  const messages = toRecordedEvents(events, run).map((e, i) => ({
    offset: String(i),
    value: Buffer.from(JSON.stringify(e)),
  }));
  for (let i = 0; i < messages.length; i += 2000) {
    await engine.applyBatch({
      version,
      topic: `test.${prefix}.${run}`,
      partition: 0,
      messages: messages.slice(i, i + 2000),
    });
  }
  const app = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
    name: 'query-api',
    useLogger: false,
  });
  await app.init();
  const token = (roles: Role[] = ['billing'], tenant = tenantId, departments = DEPARTMENTS, sub?: string) =>
    mintDevToken(config, { tenantId: tenant, roles, departments, ...(sub ? { sub } : {}) });
  return {
    app,
    pool,
    config,
    tenantId,
    run,
    events,
    version,
    token,
    get: async (url, roles, tenant, departments, sub) =>
      request(app.getHttpServer())
        .get(url)
        .set('authorization', `Bearer ${await token(roles, tenant, departments, sub)}`),
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}
