import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { streamIdOf, type ContractEvent } from '@careledger/domain';

/** Reads the run's NDJSON event file (written by the generate stage) into memory, in order. */
export async function readEventsFile(file: string): Promise<ContractEvent[]> {
  const out: ContractEvent[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) out.push(JSON.parse(line) as ContractEvent);
  return out;
}

/** Events grouped by stream id (tenant streams first), each stream in recording order. */
export function groupByStream(
  events: readonly ContractEvent[],
): { streamId: string; events: ContractEvent[] }[] {
  const tenant = new Map<string, ContractEvent[]>();
  const patients = new Map<string, ContractEvent[]>();
  for (const e of events) {
    const id = streamIdOf(e);
    const target = e.patientId === undefined ? tenant : patients;
    const list = target.get(id);
    if (list) list.push(e);
    else target.set(id, [e]);
  }
  return [...tenant, ...patients].map(([streamId, list]) => ({ streamId, events: list }));
}
