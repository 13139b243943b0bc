import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { Pool } from 'pg';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { createKafka } from '@careledger/kafka';
import { readProjectionState } from '@careledger/read-models';
import { rebuildProjections } from '../../../apps/projector/src/projection-rebuild';
import type { RegisterCommand } from '../command.types';

function poolOf(config: ReturnType<typeof loadConfig>): Pool {
  return new Pool({
    ...config.db,
    password: config.db.password || undefined,
    max: 4,
    application_name: 'careledger-cli',
  });
}

/**
 * `careledger projections status|rebuild`: the read-model versions and per-partition progress, and a
 * rebuild without downtime (version N+1 from offset 0 beside N, switch when caught up, drop N).
 * Progress goes to stderr; the final summary (JSON) to stdout.
 */
export const registerProjections: RegisterCommand = (program: Command, setExit) => {
  const projections = program
    .command('projections')
    .description('Read-model projections: status and rebuild');

  projections
    .command('status')
    .description('Active and building versions, and the stored offset, high watermark and lag per partition')
    .action(async () => {
      const config = loadConfig();
      const pool = poolOf(config);
      try {
        const state = await readProjectionState(pool);
        const r = await pool.query<{
          model_version: number;
          partition: number;
          next_offset: string;
          high_watermark: string | null;
          updated_at: Date;
        }>(
          `SELECT model_version, partition, next_offset, high_watermark, updated_at FROM projector_offsets
            WHERE topic = $1 ORDER BY model_version, partition`,
          [config.kafka.eventsTopic],
        );
        process.stdout.write(
          `${JSON.stringify(
            {
              activeVersion: state.activeVersion,
              buildingVersion: state.buildingVersion,
              partitions: r.rows.map((row) => ({
                version: row.model_version,
                partition: row.partition,
                nextOffset: row.next_offset,
                highWatermark: row.high_watermark,
                lag:
                  row.high_watermark === null ? null : Number(row.high_watermark) - Number(row.next_offset),
                updatedAt: row.updated_at.toISOString(),
              })),
            },
            null,
            2,
          )}\n`,
        );
      } finally {
        await pool.end();
      }
    });

  projections
    .command('rebuild')
    .description(
      'Build the next read-model version from offset 0 beside the live one and switch when caught up',
    )
    .option('--force', 'abandon an unfinished rebuild instead of refusing')
    .option('--keep-old', 'keep the previous version rows after the switch')
    .option('--grace-ms <ms>', 'wait after the switch before deleting the old rows', '5000')
    .action(async (flags: { force?: boolean; keepOld?: boolean; graceMs: string }) => {
      const graceMs = Number(flags.graceMs);
      if (!Number.isInteger(graceMs) || graceMs < 0) {
        process.stderr.write('careledger projections rebuild: --grace-ms must be a non-negative integer\n');
        setExit(2);
        return;
      }
      const config = loadConfig();
      const pool = poolOf(config);
      const bar = new SingleBar(
        {
          stream: process.stderr,
          format: 'rebuild v{version} {phase} [{bar}] {value}/{total} events',
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      let barStarted = false;
      try {
        const result = await rebuildProjections({
          kafka: createKafka(config.kafka, { clientIdSuffix: 'rebuild' }),
          pool,
          topic: config.kafka.eventsTopic,
          dlqTopic: config.kafka.dlqTopic,
          groupId: config.kafka.projectorGroupId,
          determine: determineMonth,
          reference: loadReferenceData(config.dataDir),
          policy: config.exclusiveChoicePolicy,
          force: flags.force,
          keepOld: flags.keepOld,
          graceMs,
          onProgress: (p) => {
            if (!barStarted) {
              bar.start(p.total, p.done, { version: p.version, phase: p.phase });
              barStarted = true;
            }
            bar.setTotal(p.total);
            bar.update(p.done, { version: p.version, phase: p.phase });
          },
        });
        if (barStarted) bar.stop();
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } catch (err) {
        if (barStarted) bar.stop();
        process.stderr.write(
          `careledger projections rebuild: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        setExit(1);
      } finally {
        await pool.end();
      }
    });
};
