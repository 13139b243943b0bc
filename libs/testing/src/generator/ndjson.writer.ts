import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ContractEvent } from '@careledger/domain';

/**
 * Writes events as NDJSON (one JSON document per line, in the given order) to a file path or an open
 * stream, honouring back-pressure so that a million events never sit in the stream's buffer.
 * Resolves with the number of lines written. A stream passed in is left open; a file is closed.
 */
export async function writeNdjson(
  events: Iterable<ContractEvent>,
  target: string | Writable,
  onProgress?: (written: number) => void,
): Promise<number> {
  const stream = typeof target === 'string' ? createWriteStream(target, { encoding: 'utf8' }) : target;
  let written = 0;
  for (const e of events) {
    if (!stream.write(`${JSON.stringify(e)}\n`)) await once(stream, 'drain');
    written++;
    if (onProgress && written % 10_000 === 0) onProgress(written);
  }
  if (typeof target === 'string') {
    stream.end();
    await once(stream, 'finish');
  }
  onProgress?.(written);
  return written;
}

/** Parses NDJSON text back into objects (blank lines ignored); the caller validates them. */
export function parseNdjson(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new SyntaxError(`NDJSON line ${i + 1} is not valid JSON`);
      }
    });
}
