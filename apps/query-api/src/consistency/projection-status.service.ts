import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG, PG_POOL, ProblemError } from '@careledger/http';
import { createKafka } from '@careledger/kafka';
import { readProjectionState } from '@careledger/read-models';

/** What a response states about the projections it reflects. */
export interface ProjectionStatus {
  /** Active read-model version the request reads. */
  version: number;
  /** Highest global position applied (over all partitions; positions are interleaved across partitions). */
  position: number | null;
  /** Events on the topic not yet projected (from the broker's high watermarks, cached ~2 s). */
  lagEvents: number | null;
  /** 0 when caught up; else how long the oldest lagging partition has not moved (ms). */
  lagMs: number | null;
}

const POLL_MS = 100;

/**
 * Read-your-writes and staleness for query-api (ADR 0500). A `minPosition` is reached when every event
 * of the caller's tenant with a global position up to it is applied (or dead-lettered) in the active
 * version: the event store says which positions belong to the tenant, so the answer holds across
 * partitions (reference data and each patient stream may sit on different partitions).
 */
@Injectable()
export class ProjectionStatusService implements OnApplicationShutdown {
  private admin: Admin | undefined;
  private hwmCache: { at: number; offsets: Map<number, bigint> } | undefined;
  private hasEventStore: boolean | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Active version (read per request, so a rebuild's switch is seen at once). */
  async activeVersion(): Promise<number> {
    return (await readProjectionState(this.pool)).activeVersion;
  }

  private async highWatermarks(): Promise<Map<number, bigint> | null> {
    const now = Date.now();
    if (this.hwmCache && now - this.hwmCache.at < 2_000) return this.hwmCache.offsets;
    try {
      if (!this.admin) {
        this.admin = createKafka(this.config.kafka, {
          clientIdSuffix: 'query-api-lag',
          retry: { retries: 0 },
        }).admin();
        await this.admin.connect();
      }
      const offsets = await this.admin.fetchTopicOffsets(this.config.kafka.eventsTopic);
      this.hwmCache = { at: now, offsets: new Map(offsets.map((o) => [o.partition, BigInt(o.high)])) };
      return this.hwmCache.offsets;
    } catch {
      const stale = this.admin;
      this.admin = undefined;
      void stale?.disconnect().catch(() => undefined);
      return null;
    }
  }

  /** The status headers' values for `version`. */
  async status(version: number): Promise<ProjectionStatus> {
    const r = await this.pool.query<{
      partition: number;
      next_offset: string;
      high_watermark: string | null;
      max_position: string | null;
      updated_at: Date;
    }>(
      `SELECT partition, next_offset, high_watermark, max_position, updated_at FROM projector_offsets
        WHERE model_version = $1 AND topic = $2`,
      [version, this.config.kafka.eventsTopic],
    );
    const hwms = await this.highWatermarks();
    let position: number | null = null;
    let lagEvents = 0;
    let oldestLagging: number | null = null;
    const seen = new Set<number>();
    for (const row of r.rows) {
      seen.add(row.partition);
      if (row.max_position !== null) position = Math.max(position ?? 0, Number(row.max_position));
      const hwm =
        hwms?.get(row.partition) ?? (row.high_watermark === null ? null : BigInt(row.high_watermark));
      const lag = hwm === null ? 0 : Number(hwm - BigInt(row.next_offset));
      if (lag > 0) {
        lagEvents += lag;
        const at = row.updated_at.getTime();
        oldestLagging = oldestLagging === null ? at : Math.min(oldestLagging, at);
      }
    }
    for (const [partition, hwm] of hwms ?? []) {
      if (!seen.has(partition) && hwm > 0n) lagEvents += Number(hwm);
    }
    return {
      version,
      position,
      lagEvents: hwms === null && r.rows.length === 0 ? null : lagEvents,
      lagMs: lagEvents === 0 ? 0 : oldestLagging === null ? null : Math.max(0, Date.now() - oldestLagging),
    };
  }

  private async eventStorePresent(): Promise<boolean> {
    if (this.hasEventStore === undefined) {
      const r = await this.pool.query<{ t: string | null }>(`SELECT to_regclass('events')::text AS t`);
      this.hasEventStore = r.rows[0]?.t != null;
    }
    return this.hasEventStore;
  }

  /** True when every event of `tenantId` up to `position` is reflected by `version`. */
  async reached(tenantId: string, position: number, version: number): Promise<boolean> {
    if (await this.eventStorePresent()) {
      const r = await this.pool.query<{ ok: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM events WHERE global_position >= $2)
            AND NOT EXISTS (
              SELECT 1 FROM events e
               WHERE e.tenant_id = $1 AND e.global_position <= $2
                 AND NOT EXISTS (SELECT 1 FROM projected_events p WHERE p.model_version = $3 AND p.event_id = e.event_id)
                 AND NOT EXISTS (SELECT 1 FROM dead_lettered_events d WHERE d.model_version = $3 AND d.event_id = e.event_id::text)
            ) AS ok`,
        [tenantId, position, version],
      );
      return r.rows[0]?.ok === true;
    }
    const r = await this.pool.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM projector_offsets WHERE model_version = $1 AND max_position >= $2) AS ok`,
      [version, position],
    );
    return r.rows[0]?.ok === true;
  }

  /**
   * Wait (polling, bounded by `readSide.minPositionWaitMs`) until `position` is reached; returns the
   * version to read. Throws a 409 problem with the current position when the bound passes.
   */
  async waitFor(tenantId: string, position: number): Promise<number> {
    const deadline = Date.now() + this.config.readSide.minPositionWaitMs;
    for (;;) {
      const version = await this.activeVersion();
      if (await this.reached(tenantId, position, version)) return version;
      if (Date.now() >= deadline) {
        const status = await this.status(version);
        throw new ProblemError(
          409,
          'PROJECTION.BEHIND',
          `The projections have not reached global position ${position} within ${this.config.readSide.minPositionWaitMs} ms.`,
          [{ field: 'minPosition', message: `not reached; current position ${status.position ?? 'none'}` }],
          { minPosition: position, currentPosition: status.position, lagEvents: status.lagEvents },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
