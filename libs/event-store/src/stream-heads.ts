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
