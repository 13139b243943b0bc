/**
 * The PHI scan of issue 20 (ADR 0809): one planted marker searched in every place that must never carry
 * patient data. Each source is a named list of texts (log lines, problem bodies, Kafka keys and headers,
 * access-log rows, export files); the scan counts the texts that contain the marker, per source, and
 * keeps a few for the failure message (cut around the marker, so the report itself stays short).
 */
export interface PhiScan {
  found: number;
  scanned: Record<string, number>;
  bySource: Record<string, number>;
  samples: string[];
}

export function scanForMarker(marker: string, sources: Record<string, readonly string[]>): PhiScan {
  const out: PhiScan = { found: 0, scanned: {}, bySource: {}, samples: [] };
  for (const [name, texts] of Object.entries(sources)) {
    out.scanned[name] = texts.length;
    let hits = 0;
    for (const t of texts) {
      const at = t.indexOf(marker);
      if (at < 0) continue;
      hits++;
      if (out.samples.length < 10) out.samples.push(`${name}: …${t.slice(Math.max(0, at - 120), at + 40)}…`);
    }
    out.bySource[name] = hits;
    out.found += hits;
  }
  return out;
}

/** Every key and header of a Kafka message as texts (header names too). */
export function kafkaTexts(message: {
  key?: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;
}): string[] {
  const texts = [message.key?.toString() ?? ''];
  for (const [name, v] of Object.entries(message.headers ?? {})) {
    const s = Array.isArray(v) ? v.map((x) => x.toString()).join(',') : (v?.toString() ?? '');
    texts.push(`${name}=${s}`);
  }
  return texts;
}
