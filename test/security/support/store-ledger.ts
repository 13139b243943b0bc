import type { Pool } from 'pg';

/**
 * The partial-write check of the fuzz (issue 20, ADR 0809). For every tenant it keeps what the accepted
 * receipts say the store must hold (events, their highest global position, outbox rows, idempotency
 * keys) and compares that with the store after every request, in one cheap query (counts and maxima per
 * tenant on indexed columns). A rejected request that left an event, an outbox row or a key behind, an
 * accepted one that wrote more or less than its receipt says, or a write to a tenant nobody asked for,
 * shows as a difference.
 */
export interface TenantTally {
  events: number;
  maxPosition: number;
  outbox: number;
  keys: number;
}

/** What a 2xx answer of care-api says was written (ADR 0403 receipt); replays write nothing. */
export interface Receipt {
  eventIds: string[];
  globalPosition: number;
  /** The request carried an Idempotency-Key and the answer was not a replay: one key row more. */
  keyStored: boolean;
}

// One pass over each table: events and keys by their tenant indexes, the outbox (no tenant column) by
// the tenant part of its stream ids (`tenant` or `tenant:patient`; tenant ids hold no colon). An outbox
// row covers the events of one append (ADR 0405): the tally counts the events its rows cover (an orphan
// row without any event counts as one), so it stays "outbox entries per event" whatever the row layout.
// The covered events are counted per outbox row by a range scan of the events' position index (a
// LATERAL count): a join on the range let the planner pick a nested loop over every event for every
// outbox row, which made each check cost outbox x events and the full-count fuzz quadratic.
const SNAPSHOT_SQL = `
  WITH t AS (SELECT unnest($1::text[]) AS tenant_id),
       e AS (SELECT tenant_id, count(*) AS n, max(global_position) AS max_position
               FROM events WHERE tenant_id = ANY($1::text[]) GROUP BY tenant_id),
       o AS (SELECT split_part(o.stream_id, ':', 1) AS tenant_id, sum(greatest(c.n, 1)) AS n
               FROM outbox o CROSS JOIN LATERAL (
                      SELECT count(*) AS n FROM events e
                       WHERE e.global_position BETWEEN o.global_position
                                               AND coalesce(o.last_position, o.global_position)
                         AND (o.tx_id IS NULL OR e.tx_id = o.tx_id)) c
              WHERE split_part(o.stream_id, ':', 1) = ANY($1::text[]) GROUP BY 1),
       k AS (SELECT tenant_id, count(*) AS n
               FROM idempotency_keys WHERE tenant_id = ANY($1::text[]) GROUP BY tenant_id)
  SELECT t.tenant_id,
         coalesce(e.n, 0)::int AS events,
         coalesce(e.max_position, 0)::bigint::text AS max_position,
         coalesce(o.n, 0)::int AS outbox,
         coalesce(k.n, 0)::int AS keys
    FROM t LEFT JOIN e USING (tenant_id) LEFT JOIN o USING (tenant_id) LEFT JOIN k USING (tenant_id)`;

export async function snapshot(db: Pool, tenants: string[]): Promise<Record<string, TenantTally>> {
  const { rows } = await db.query<{
    tenant_id: string;
    events: number;
    max_position: string;
    outbox: number;
    keys: number;
  }>(SNAPSHOT_SQL, [tenants]);
  return Object.fromEntries(
    rows.map((r) => [
      r.tenant_id,
      { events: r.events, maxPosition: Number(r.max_position), outbox: r.outbox, keys: r.keys },
    ]),
  );
}

export class StoreLedger {
  private expected: Record<string, TenantTally> = {};
  /** Outbox rows per event (one per topic the store writes to), learnt from the seed. */
  private outboxPerEvent = 1;
  readonly differences: string[] = [];
  checks = 0;

  constructor(
    private readonly db: Pool,
    readonly tenants: string[],
  ) {}

  /** Takes the store as it is now as the expectation (after seeding, before the fuzz). */
  async reset(): Promise<void> {
    this.expected = await snapshot(this.db, this.tenants);
    const totals = Object.values(this.expected).reduce(
      (s, t) => ({ events: s.events + t.events, outbox: s.outbox + t.outbox }),
      { events: 0, outbox: 0 },
    );
    if (totals.events > 0) this.outboxPerEvent = Math.round(totals.outbox / totals.events);
  }

  /** Records what an answer says was written to `tenantId` (nothing, or a receipt). */
  accept(tenantId: string, receipt: Receipt | null): void {
    if (!receipt) return;
    const t = (this.expected[tenantId] ??= { events: 0, maxPosition: 0, outbox: 0, keys: 0 });
    t.events += receipt.eventIds.length;
    t.outbox += receipt.eventIds.length * this.outboxPerEvent;
    if (receipt.eventIds.length > 0) t.maxPosition = Math.max(t.maxPosition, receipt.globalPosition);
    if (receipt.keyStored) t.keys += 1;
  }

  /** Compares every tenant with the expectation; returns (and keeps) the differences of this check. */
  async check(label: string): Promise<string[]> {
    this.checks++;
    const now = await snapshot(this.db, this.tenants);
    const found: string[] = [];
    for (const tenant of this.tenants) {
      const want = this.expected[tenant] ?? { events: 0, maxPosition: 0, outbox: 0, keys: 0 };
      const got = now[tenant] ?? { events: 0, maxPosition: 0, outbox: 0, keys: 0 };
      for (const k of ['events', 'maxPosition', 'outbox', 'keys'] as const) {
        if (want[k] !== got[k])
          found.push(`${label}: tenant ${tenant} ${k} ${got[k]}, receipts say ${want[k]}`);
      }
    }
    if (found.length > 0) {
      this.differences.push(...found);
      // Follow the store from here on, so one fault is reported once, not after every later request.
      this.expected = now;
    }
    return found;
  }
}

/** The receipt of a care-api answer, or null when it says nothing was written. */
export function receiptOf(status: number, body: unknown, headers: Headers, sentKey: boolean): Receipt | null {
  if (status < 200 || status >= 300) return null;
  if (headers.get('idempotent-replayed') === 'true') return null;
  const b = (body ?? {}) as { eventIds?: unknown; globalPosition?: unknown };
  const eventIds = Array.isArray(b.eventIds) ? (b.eventIds as string[]) : [];
  return {
    eventIds,
    globalPosition: typeof b.globalPosition === 'number' ? b.globalPosition : Number(b.globalPosition ?? 0),
    keyStored: sentKey && eventIds.length > 0,
  };
}
