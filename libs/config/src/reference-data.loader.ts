import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ReferenceData } from '@careledger/domain';

/**
 * The code file as CDC/NCHS names it, optionally gzipped: `icd10cm-codes-2026.txt(.gz)`.
 * When a folder holds several fiscal years, the newest one is the code set.
 */
const CODE_FILE = /^icd10cm-codes-(\d{4})\.txt(\.gz)?$/;
/** The AHRQ HCUP CCIR indicator, as a `{ metadata, codes: { E119: 1 } }` JSON map (shared/data/README.md). */
const CHRONIC_FILE = 'icd10cm_chronic.json';
/** A code as the flat file spells it: no dot, 3 to 7 characters, a letter first. */
const FLAT_CODE = /^[A-Z][0-9A-Z]{2,6}$/;

/**
 * A reference-data file exists but cannot be read as documented. Absence is normal (the rules fall
 * back); a present but corrupt file is not, and must stop the boot instead of silently degrading
 * every determination.
 */
export class ReferenceDataError extends Error {
  readonly code = 'REFERENCE_DATA.INVALID';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`Reference data file ${file} is invalid: ${detail}`);
    this.name = 'ReferenceDataError';
  }
}

const cache = new Map<string, ReferenceData>();

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function newestCodeFile(dir: string, names: string[]): { file: string; year: string } | null {
  const candidates = names
    .map((name) => ({ name, match: CODE_FILE.exec(name) }))
    .filter((c): c is { name: string; match: RegExpExecArray } => c.match !== null)
    // Newest year first; for the same year prefer the gzip the data README ships.
    .sort(
      (a, b) => b.match[1]!.localeCompare(a.match[1]!) || (b.match[2] ?? '').localeCompare(a.match[2] ?? ''),
    );
  const best = candidates[0];
  return best ? { file: path.join(dir, best.name), year: best.match[1]! } : null;
}

/**
 * Parse the CDC/NCHS fixed-width codes file: code in columns 1-8 (space padded, no dot), the long
 * title from column 9. Only the code is kept; the rules need membership, not titles.
 */
function parseCodeFile(file: string, bytes: Buffer): Set<string> {
  const content = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('latin1');
  const codes = new Set<string>();
  const lines = content.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const code = line.slice(0, 8).trim();
    if (!FLAT_CODE.test(code))
      throw new ReferenceDataError(file, `line ${index + 1} does not start with a code`);
    codes.add(code);
  });
  if (codes.size === 0) throw new ReferenceDataError(file, 'no codes');
  return codes;
}

function parseChronicFile(
  file: string,
  bytes: Buffer,
): { indicator: Map<string, 0 | 1 | 9>; release: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ReferenceDataError(file, 'not JSON');
  }
  const codes = (parsed as { codes?: unknown } | null)?.codes;
  if (typeof codes !== 'object' || codes === null || Array.isArray(codes)) {
    throw new ReferenceDataError(file, 'no "codes" object');
  }
  const indicator = new Map<string, 0 | 1 | 9>();
  for (const [code, value] of Object.entries(codes as Record<string, unknown>)) {
    if (!FLAT_CODE.test(code))
      throw new ReferenceDataError(file, `malformed code key at entry ${indicator.size + 1}`);
    if (value !== 0 && value !== 1 && value !== 9) {
      throw new ReferenceDataError(file, `indicator of ${code} is not 0, 1 or 9`);
    }
    indicator.set(code, value);
  }
  return { indicator, release: chronicRelease(parsed) };
}

function readIfPresent(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Load the ICD-10-CM code set and the chronic-condition indicator from `dir` (by default the
 * configured `CARELEDGER_DATA_DIR`, `../shared/data`). Synchronous and cached per absolute folder:
 * the data is read once per process, at boot or on the first evaluation.
 *
 * A missing folder or file makes that part `null` and never throws: the rules then accept every
 * well-formed code, flag it `UNKNOWN_ICD10`, and take chronic status from event overrides only.
 * A present but malformed file throws `ReferenceDataError`. `source` names each release, its code
 * count and the first 12 hex digits of its SHA-256, so a determination records what it was made with.
 */
export function loadReferenceData(dir: string): ReferenceData {
  const absolute = path.resolve(dir);
  const cached = cache.get(absolute);
  if (cached) return cached;

  let names: string[] = [];
  try {
    names = fs.readdirSync(absolute);
  } catch (error) {
    if (!['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }

  const sources: string[] = [];
  let codeSet: Set<string> | null = null;
  const codeFile = newestCodeFile(absolute, names);
  const codeBytes = codeFile ? readIfPresent(codeFile.file) : null;
  if (codeFile && codeBytes) {
    codeSet = parseCodeFile(codeFile.file, codeBytes);
    sources.push(
      `ICD-10-CM FY${codeFile.year} ${path.basename(codeFile.file)} (${codeSet.size} codes, sha256 ${sha256(codeBytes).slice(0, 12)})`,
    );
  }

  let chronicIndicator: Map<string, 0 | 1 | 9> | null = null;
  const chronicPath = path.join(absolute, CHRONIC_FILE);
  const chronicBytes = names.includes(CHRONIC_FILE) ? readIfPresent(chronicPath) : null;
  if (chronicBytes) {
    const { indicator, release } = parseChronicFile(chronicPath, chronicBytes);
    chronicIndicator = indicator;
    sources.push(
      `${release} ${CHRONIC_FILE} (${chronicIndicator.size} codes, sha256 ${sha256(chronicBytes).slice(0, 12)})`,
    );
  }

  const data: ReferenceData = {
    codeSet,
    chronicIndicator,
    source: sources.length > 0 ? sources.join('; ') : 'none',
  };
  cache.set(absolute, data);
  return data;
}

/** The release named in the indicator's metadata (`CCIR_v2026-1.csv` -> `AHRQ HCUP CCIR v2026-1`). */
function chronicRelease(parsed: unknown): string {
  const meta = (parsed as { metadata?: { source_file?: unknown } }).metadata;
  const file = typeof meta?.source_file === 'string' ? meta.source_file : '';
  const version = /v(\d{4}-\d+)/i.exec(file)?.[1];
  return version ? `AHRQ HCUP CCIR v${version}` : 'AHRQ HCUP chronic indicator';
}

/** Forget cached reference data (tests that write a folder, a reload after the data is replaced). */
export function clearReferenceDataCache(): void {
  cache.clear();
}
