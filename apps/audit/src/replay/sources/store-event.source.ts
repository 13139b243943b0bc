import type { EventStore } from '@careledger/event-store';
import type { ReplayEventSource, ReplayScope } from '../replay-runner';
import type { RecordedEvent } from '@careledger/domain/events/event-types';

/** The configured database has no event store schema. */
export class EventStoreMissingError extends Error {
  readonly code = 'AUDIT.EVENT_STORE_MISSING';
  constructor() {
    super('the configured database has no event store (run `careledger migrate` first)');
    this.name = 'EventStoreMissingError';
  }
}

/**
 * Replay source over the PostgreSQL event store (WRITE's `EventStore`): the tenant's streams paged
 * by global position, or for one patient the tenant stream and that patient's stream. Every event
 * carries its `StoredEventMetadata`, so the hash chains can be verified.
 */
export class StoreEventSource implements ReplayEventSource {
  readonly name = 'store' as const;

  constructor(
    private readonly store: EventStore,
    private readonly pageSize = 5000,
  ) {}

  async read(scope: ReplayScope, onBatch: (batch: readonly RecordedEvent[]) => void): Promise<void> {
    try {
      await this.readAll(scope, onBatch);
    } catch (err) {
      // 42P01 undefined_table: say what is wrong instead of leaking a bare driver message.
      if ((err as { code?: string }).code === '42P01') throw new EventStoreMissingError();
      throw err;
    }
  }

  private async readAll(
    scope: ReplayScope,
    onBatch: (batch: readonly RecordedEvent[]) => void,
  ): Promise<void> {
    if (scope.patientId !== null) {
      onBatch(await this.store.readStream(scope.tenantId));
      onBatch(await this.store.readStream(`${scope.tenantId}:${scope.patientId}`));
      return;
    }
    let fromPosition = 0;
    for (;;) {
      const page = await this.store.readTenant(scope.tenantId, { fromPosition, limit: this.pageSize });
      if (page.length === 0) return;
      onBatch(page);
      fromPosition = page[page.length - 1]!.globalPosition;
      if (page.length < this.pageSize) return;
    }
  }
}
