import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Pool } from 'pg';
import type { CareLedgerConfig } from '@careledger/config';
import type { ContractEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { startReceiver } from '../../hl7-receiver/hapi-receiver';
import { freePort } from '../../reliability/support/free-port';

/**
 * The README's billing-office walk-through, run for real (issue 16): a synthetic tenant seeded from
 * conformance scenario 03 (P03 and a copy P04), the real `careledger` CLI as child processes against
 * the test database, and the HAPI HL7v2 receiver of test/hl7-receiver. Returns the terminal
 * transcript (`$ careledger ...`, then what the command wrote to stderr and stdout) and the
 * restatement message as exported. `test/billing/billing-readme.int-spec.ts` compares it with the
 * README and writes it there with CARELEDGER_UPDATE_README=1.
 */

const ROOT = path.resolve(__dirname, '../../..');
const MONTH = '2025-04';
const SCENARIO = path.resolve(ROOT, '../shared/conformance/scenarios/03-ccm-staff-exactly-40-one-addon.json');

export interface DemoRun {
  tenant: string;
  transcript: string[];
  /** The restatement DFT^P03 from the exported file, one segment per line. */
  restatementMessage: string[];
  /** Every command's exit code, in order. */
  exits: number[];
}

function seed(tenant: string): { reference: ContractEvent[]; patients: Map<string, ContractEvent[]> } {
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as { events: ContractEvent[] };
  const reference: ContractEvent[] = [];
  for (const e of scenario.events.filter((x) => x.patientId === undefined)) {
    const event = JSON.parse(JSON.stringify({ ...e, tenantId: tenant })) as ContractEvent;
    if (event.type === 'OrganizationRegistered')
      Object.assign(event.data, { npi: '1234567893', tin: '123456789' });
    if (event.type === 'PractitionerRegistered' && event.data.practitionerId === 'DR-PCP1')
      Object.assign(event.data, { npi: '1245319599' });
    reference.push(event);
  }
  const patients = new Map<string, ContractEvent[]>();
  for (const p of ['P03', 'P04'])
    patients.set(
      p,
      scenario.events
        .filter((e) => e.patientId === 'P03')
        .map(
          (e) =>
            JSON.parse(
              JSON.stringify({ ...e, tenantId: tenant, patientId: p }).replace(/P03-/g, `${p}-`),
            ) as ContractEvent,
        ),
    );
  return { reference, patients };
}

function lateEntry(tenant: string, recordedAt: string): ContractEvent {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId: tenant,
    patientId: 'P03',
    occurredAt: '2025-04-28T10:00:00-04:00',
    recordedAt,
    actor: { userId: 'u-rn-1', role: 'care_manager', departmentId: 'primary-care' },
    data: {
      entryId: 'P03-LATE1',
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: '2025-04-28T10:00:00-04:00',
      minutes: 20,
      activity: 'synthetic late phone follow-up',
    },
  };
}

/** Run the walk-through once. `config` names the test database; nothing else of the machine is used. */
export async function runBillingDemo(config: CareLedgerConfig, pool: Pool): Promise<DemoRun> {
  const tenant = `readme-${randomUUID().slice(0, 6)}`;
  const store = new EventStore(pool, { outboxTopics: [] });
  const { reference, patients } = seed(tenant);
  await store.append(tenant, 0, reference, { correlationId: randomUUID() });
  for (const [p, events] of patients)
    await store.append(`${tenant}:${p}`, 0, events, { correlationId: randomUUID() });

  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-billing-demo-'));
  const port = await freePort();
  const receiver = await startReceiver(port, path.join(cwd, 'accepted.ndjson'));
  const env = {
    ...process.env,
    CARELEDGER_ENV: 'test',
    CARELEDGER_DB_HOST: config.db.host,
    CARELEDGER_DB_PORT: String(config.db.port),
    CARELEDGER_DB_USER: config.db.user,
    CARELEDGER_DB_PASSWORD: config.db.password,
    CARELEDGER_DB_NAME: config.db.database,
    CARELEDGER_DATA_DIR: path.resolve(ROOT, config.dataDir),
    CARELEDGER_CHARGE_FEED_MLLP_ENDPOINT: `127.0.0.1:${port}`,
    CARELEDGER_CHARGE_FEED_RECEIVER: 'EHR^MAIN',
    CARELEDGER_LOG_LEVEL: 'silent',
  };
  const transcript: string[] = [];
  const exits: number[] = [];
  const careledger = (...args: string[]): { stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'tools/careledger.js'), ...args], {
      cwd,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    exits.push(r.status ?? -1);
    transcript.push(`$ careledger ${args.join(' ')}${r.status === 0 ? '' : `        # exit ${r.status}`}`);
    for (const out of [r.stderr, r.stdout]) transcript.push(...out.split('\n').filter((l) => l !== ''));
    return { stdout: r.stdout, stderr: r.stderr };
  };
  try {
    const m = ['--tenant', tenant, '--month', MONTH];
    const closed = careledger('billing', 'close', ...m);
    careledger('billing', 'close', ...m);
    const asOf = / as of (\S+), /.exec(closed.stdout)?.[1] ?? 'unknown';
    careledger('audit', 'replay', ...m, '--source', 'store', '--as-of', asOf, '--out', 'replay.json');
    careledger('charges', 'send', ...m);
    await store.append(
      `${tenant}:P03`,
      await store.streamVersion(`${tenant}:P03`),
      [lateEntry(tenant, new Date().toISOString())],
      {
        correlationId: randomUUID(),
      },
    );
    transcript.push(
      '# a late 20-minute entry for P03 in April is recorded after the close; the replay and the feed see it:',
    );
    careledger('audit', 'replay', ...m, '--source', 'store', '--out', 'replay-now.json');
    careledger('charges', 'send', ...m);
    careledger('charges', 'export', ...m, '--out', 'charges');
    const file = fs.readdirSync(path.join(cwd, 'charges'))[0]!;
    const messages = fs.readFileSync(path.join(cwd, 'charges', file), 'utf8').split('\r\r');
    const restatement = messages.find((x) => /\|CD\|/.test(x)) ?? '';
    return {
      tenant,
      transcript,
      restatementMessage: restatement.split('\r').filter((s) => s !== ''),
      exits,
    };
  } finally {
    await receiver.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}
