import * as fs from 'node:fs';
import { loadReferenceData } from '@careledger/config';
import { generateHealthSystem, writeNdjson } from '@careledger/testing';
import type { ContractEvent } from '@careledger/domain';
import type { BenchContext } from '../bench.types';
import type { StageOutcome } from '../stage-host';

/**
 * Writes the run's events (NDJSON, recording order per tenant) and measures the generator. Large
 * populations are generated one tenant at a time (`patientsPerTenant`) so that memory stays bounded;
 * at scale large the file is cut at exactly `maxEvents` (1,000,000) events.
 */
export async function runGenerateStage(ctx: BenchContext): Promise<StageOutcome> {
  const reference = loadReferenceData(ctx.config.dataDir);
  const out = fs.createWriteStream(ctx.eventsFile, { encoding: 'utf8' });
  const tenants: string[] = [];
  let written = 0;
  const t0 = performance.now();
  let remaining = ctx.params.patients;
  for (let k = 0; remaining > 0 && (ctx.params.maxEvents === null || written < ctx.params.maxEvents); k++) {
    const patients = Math.min(remaining, ctx.params.patientsPerTenant);
    remaining -= patients;
    const tenantId = `bench-${ctx.scale}-${k + 1}`;
    tenants.push(tenantId);
    let events: ContractEvent[] = generateHealthSystem({
      seed: 7 + k,
      tenantId,
      patients,
      months: ctx.params.months,
      reference,
    });
    if (ctx.params.maxEvents !== null && written + events.length > ctx.params.maxEvents)
      events = events.slice(0, ctx.params.maxEvents - written);
    written += await writeNdjson(events, out);
    process.stderr.write(`bench: generated ${written} events (${tenants.length} tenant(s))\n`);
  }
  out.end();
  await new Promise<void>((r) => out.on('finish', () => r()));
  const seconds = (performance.now() - t0) / 1000;
  fs.writeFileSync(
    `${ctx.eventsFile}.meta.json`,
    JSON.stringify({ eventCount: written, tenantIds: tenants }),
  );
  return {
    events: written,
    figures: [
      {
        name: 'generator_events_per_second',
        value: Math.round(written / seconds),
        unit: 'events/s',
        baseline: null,
        ratio: null,
        better: 'higher',
        note: `${written} events`,
      },
    ],
    throughput: [{ label: 'generate (synthetic health system)', perSecond: Math.round(written / seconds) }],
  };
}
