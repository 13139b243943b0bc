import type { RecordedEvent } from '@careledger/domain/events/event-types';

/** The last event of a stream as a writer saw it: its version and the hash the next event chains from. */
export interface StreamHead {
  version: number;
  hash: string;
}

/**
 * A bounded, least-recently-used memory of stream heads this process has read or written, so that
 * an append whose expected version matches the remembered head can chain from the remembered hash
 * without selecting the head again. A remembered head can never be wrong about its own version (events
 * are immutable: the hash of version N never changes), only stale (the stream has moved on, or the
 * database was recreated under a long-lived process); the append statement checks the head it chains
 * from in the database, so a stale entry costs a retry, never a broken chain.
 */
export class StreamHeadCache {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity = 10_000) {}

  /** The remembered head of `streamId`, if any (and marks it recently used). */
  get(streamId: string): StreamHead | undefined {
    const head = this.heads.get(streamId);
    if (head) {
      this.heads.delete(streamId);
      this.heads.set(streamId, head);
    }
    return head;
  }

  /** Remembers a head seen in a read or written by an append (an older version never replaces a newer one). */
  remember(streamId: string, head: StreamHead): void {
    const known = this.heads.get(streamId);
    if (known && known.version > head.version) return;
    this.heads.delete(streamId);
    this.heads.set(streamId, head);
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value!);
  }

  /** Drops what is remembered about a stream (after the database refused to chain from it). */
  forget(streamId: string): void {
    this.heads.delete(streamId);
  }
}

/**
 * How a writer folds a stream into the state it decides on (the pure fold of libs/domain). `name`
 * tells folds apart: a state is only ever handed back to the fold that built it.
 */
export interface StreamFold<S> {
  name: string;
  initial: S;
  fold(events: readonly RecordedEvent[], from: S): S;
}

/** A folded stream: the state after `head.version` events, whose last event has `head.hash`. */
export interface FoldedStream<S> {
  streamId: string;
  fold: StreamFold<S>;
  state: S;
  head: StreamHead;
}

/**
 * A bounded LRU of folded stream states, kept beside the {@link StreamHeadCache} (ADR 0405). An
 * entry is the state after exactly the events up to `(version, hash)`: events are immutable, so it
 * can only be stale, never wrong, and an append decided on it chains from that very hash, which the
 * append statement checks (a stale entry fails the append on its version and the writer folds again).
 */
export class StreamStateCache {
  private readonly states = new Map<string, FoldedStream<unknown>>();

  constructor(private readonly capacity = 10_000) {}

  get<S>(streamId: string, fold: StreamFold<S>): FoldedStream<S> | undefined {
    const entry = this.states.get(streamId);
    if (!entry || entry.fold.name !== fold.name) return undefined;
    this.states.delete(streamId);
    this.states.set(streamId, entry);
    return entry as FoldedStream<S>;
  }

  remember<S>(entry: FoldedStream<S>): void {
    const known = this.states.get(entry.streamId);
    if (known && known.fold.name === entry.fold.name && known.head.version > entry.head.version) return;
    this.states.delete(entry.streamId);
    this.states.set(entry.streamId, entry);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value!);
  }

  forget(streamId: string): void {
    this.states.delete(streamId);
  }
}
