import type { Pool } from 'pg';
import type { OutboxSnapshot } from '@careledger/observability';

/**
 * Outbox depth and the age of its oldest unpublished row for one topic, read when Prometheus scrapes
 * (one index range scan of `outbox_pending_ix`); the depth counts events (at most), not rows. The relay's lag is that age: 0 when drained.
 */
export async function outboxSnapshot(pool: Pool, topic: string): Promise<OutboxSnapshot> {
  const { rows } = await pool.query<{ depth: number; age: number }>(
    // Depth in events: a row is one append (ADR 0405) and spans at most last - first + 1 events.
    `SELECT coalesce(sum(coalesce(last_position, global_position) - global_position + 1), 0)::int AS depth,
            coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 AS age
       FROM outbox WHERE topic = $1 AND published_at IS NULL`,
    [topic],
  );
  return { depth: rows[0]?.depth ?? 0, oldestAgeSeconds: rows[0]?.age ?? 0 };
}
