import { loadReferenceData } from '@careledger/config';
import { createKafka } from '@careledger/kafka';
import { DETERMINE_MONTH } from '../apps/audit/src/replay/replay-context';
import { parseReplayOptions } from '../apps/audit/src/replay/replay-options';
import { ReplayRunner } from '../apps/audit/src/replay/replay-runner';
import { KafkaEventSource } from '../apps/audit/src/replay/sources/kafka-event.source';
import { StoreEventSource } from '../apps/audit/src/replay/sources/store-event.source';
import { EventStore } from '@careledger/event-store';
import { benchPool } from './lib/bench-db';
import type { ConsumeBenchInput, ConsumeBenchResult } from './bench.types';

/**
 * Audit replay throughput (issue 6): AUDIT's {@link ReplayRunner} with the Kafka source, exactly what
 * `careledger audit replay --source kafka` runs: scan every partition of the bench topic to the
 * high-water marks, de-duplicate, verify every stream's hash chain, validate, and determine every
 * patient-month of the tenant's month with RULES' `determineMonth`, then digest. The clock starts at
 * the first message delivered (group join outside, as for the raw kafkajs consume the stage measures
 * on the same topic in the same run) and stops when the report exists. Events/s counts every message
 * scanned, since the raw baseline reads the whole topic too.
 *
 * Drift is not compared here: the bench database's read models are empty, and the comparison is a
 * PostgreSQL read, not replay work. The BENCH runner calls this for `replay_vs_raw_consume`.
 */
export async function runAuditReplayBench(input: ConsumeBenchInput): Promise<ConsumeBenchResult> {
  const kafka = createKafka(input.config.kafka, { clientIdSuffix: 'bench-audit-replay' });
  const runner = new ReplayRunner({
    determineMonth: DETERMINE_MONTH,
    referenceData: loadReferenceData(input.config.dataDir),
    policy: input.config.exclusiveChoicePolicy,
  });
  const tenant = input.tenantIds[0]!;
  const month = input.months[input.months.length - 1]!;
  const source = new KafkaEventSource(kafka, input.topic);
  let first = 0;
  const report = await runner.run(parseReplayOptions({ tenant, month, source: 'kafka' }), source, {
    reading: () => {
      if (first === 0) first = performance.now();
    },
    evaluating: () => undefined,
    finish: () => undefined,
  });
  const seconds = (performance.now() - first) / 1000;
  const scanned = source.lastScan?.messages ?? input.expectedEvents;
  return {
    events: scanned,
    seconds,
    note:
      `tenant ${tenant} month ${month}: ${report.eventsRead} events of the tenant kept of ${scanned} scanned, ` +
      `${report.streamsVerified} hash chains verified, ${report.determinations.length} patient-months determined, ` +
      `${report.chainBreaks.length} chain breaks; digest ${report.digest.slice(0, 12)}`,
  };
}

/**
 * Single patient-month replays (`careledger audit replay --patient P --month M`, store source): the
 * same {@link ReplayRunner} over {@link StoreEventSource}, which reads the tenant stream and the one
 * patient stream by their (stream_id, stream_version) index, for `samples` patient-months drawn at
 * random (patients of the generated tenants, months of the run). Each sample is the wall time of one
 * `run` in a warm process: reads, chain verification, validation, determination and digest.
 */
export async function runPatientMonthReplayBench(input: {
  config: ConsumeBenchInput['config'];
  tenantIds: string[];
  months: string[];
  samples: number;
}): Promise<{ samplesMs: number[]; note: string }> {
  const pool = benchPool(input.config.db, 2);
  try {
    const { rows } = await pool.query<{ tenant_id: string; patient_id: string }>(
      `SELECT DISTINCT tenant_id, patient_id FROM events WHERE tenant_id = ANY($1) AND patient_id IS NOT NULL`,
      [input.tenantIds],
    );
    if (rows.length === 0)
      throw new Error('no patient streams in the bench store: the append stage did not run');
    const runner = new ReplayRunner({
      determineMonth: DETERMINE_MONTH,
      referenceData: loadReferenceData(input.config.dataDir),
      policy: input.config.exclusiveChoicePolicy,
    });
    const source = new StoreEventSource(new EventStore(pool));
    const samplesMs: number[] = [];
    let determined = 0;
    let events = 0;
    for (let i = 0; i < input.samples; i++) {
      const pick = rows[Math.floor(Math.random() * rows.length)]!;
      const month = input.months[Math.floor(Math.random() * input.months.length)]!;
      const options = parseReplayOptions({
        tenant: pick.tenant_id,
        patient: pick.patient_id,
        month,
        source: 'store',
      });
      const t0 = performance.now();
      const report = await runner.run(options, source);
      samplesMs.push(performance.now() - t0);
      determined += report.determinations.length;
      events += report.eventsRead;
    }
    return {
      samplesMs,
      note: `store source, ${rows.length} patients to draw from; ${determined} of ${input.samples} samples had activity in the month; ${Math.round(events / input.samples)} events read per replay on average`,
    };
  } finally {
    await pool.end();
  }
}
