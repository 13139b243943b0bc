import { loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { createKafka } from '@careledger/kafka';
import { VERSIONED_TABLES } from '@careledger/read-models';
import { rebuildProjections } from '../apps/projector/src/projection-rebuild';
import { ProjectorRunner } from '../apps/projector/src/projector.runner';
import type { ConsumeBenchInput, ConsumeBenchResult } from './bench.types';
import { benchPool } from './lib/bench-db';

/**
 * Projector throughput (issue 5): the same {@link ProjectorRunner} the projector app runs, reading the
 * bench topic from offset 0 into a fresh read-model version, each batch committed in PostgreSQL
 * (events, reference data, recomputed patient-months through `determineMonth`, offsets). The clock runs
 * from the first batch received to the moment the committed offsets cover every message, like the raw
 * kafkajs consume baseline the stage measures on the same topic in the same run.
 */
export async function runProjectorBench(input: ConsumeBenchInput): Promise<ConsumeBenchResult> {
  const pool = benchPool(input.config.db, 6);
  const kafka = createKafka(input.config.kafka, { clientIdSuffix: 'bench-projector' });
  const version = 1_000 + Math.floor(Math.random() * 1_000_000);
  let started = 0;
  let applied = 0;
  let deadLettered = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let committed = 0;
  const runner = new ProjectorRunner({
    kafka,
    pool,
    topic: input.topic,
    dlqTopic: input.config.kafka.dlqTopic,
    groupId: `careledger-bench-projector-${input.runId}-${version}`,
    mode: { kind: 'pinned', version },
    determine: determineMonth,
    reference: loadReferenceData(input.config.dataDir),
    policy: input.config.exclusiveChoicePolicy,
    onBatchStart: () => {
      if (started === 0) started = performance.now();
    },
    onBatch: ({ result }) => {
      applied += result.applied;
      deadLettered += result.deadLettered;
      committed += result.applied + result.deadLettered + result.duplicates;
      if (committed >= input.expectedEvents) resolveDone();
    },
  });
  const deadline = setTimeout(resolveDone, 1_800_000);
  try {
    await runner.start();
    await done;
    const seconds = (performance.now() - started) / 1000;
    return {
      events: applied + deadLettered,
      seconds,
      note: `${applied} events projected${deadLettered ? `, ${deadLettered} dead-lettered` : ''}; read-model version ${version}`,
    };
  } finally {
    clearTimeout(deadline);
    await runner.stop();
    for (const t of VERSIONED_TABLES) {
      await pool.query(`DELETE FROM ${t} WHERE model_version = $1`, [version]).catch(() => undefined);
    }
    await pool.end();
  }
}

/**
 * A full rebuild (`careledger projections rebuild`) of the bench topic: version N+1 from offset 0 beside
 * N, the switch, and the old version dropped. Seconds end to end, group join included.
 */
export async function runRebuildBench(input: ConsumeBenchInput): Promise<ConsumeBenchResult> {
  const pool = benchPool(input.config.db, 6);
  try {
    const r = await rebuildProjections({
      kafka: createKafka(input.config.kafka, { clientIdSuffix: 'bench-rebuild' }),
      pool,
      topic: input.topic,
      dlqTopic: input.config.kafka.dlqTopic,
      groupId: `careledger-bench-rebuild-${input.runId}`,
      determine: determineMonth,
      reference: loadReferenceData(input.config.dataDir),
      policy: input.config.exclusiveChoicePolicy,
      force: true,
      graceMs: 0,
    });
    return {
      events: r.events,
      seconds: r.durationMs / 1000,
      note: `version ${r.fromVersion} -> ${r.toVersion}`,
    };
  } finally {
    await pool.end();
  }
}
