import { loadReferenceData } from '@careledger/config';
import { createKafka } from '@careledger/kafka';
import { DETERMINE_MONTH } from '../apps/audit/src/replay/replay-context';
import { parseReplayOptions } from '../apps/audit/src/replay/replay-options';
import { ReplayRunner } from '../apps/audit/src/replay/replay-runner';
import { KafkaEventSource } from '../apps/audit/src/replay/sources/kafka-event.source';
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
