import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFeeTable, type FeeSchedule } from '@careledger/domain';
import { ReferenceDataError } from '@careledger/config';

/**
 * The data folder's README states the CMS PFS national non-facility amounts (it does not ship the
 * PPRRVU files, which carry AMA-licensed descriptors). The fee table is read from there, never copied.
 */
const FEE_FILE = 'README.md';

const cache = new Map<string, FeeSchedule | null>();

/**
 * Load the fee schedule from `dir` (by default `CARELEDGER_DATA_DIR`, `../shared/data`): cached per
 * absolute folder. A missing README or one without the fee table gives null (every line then has no
 * fee, reason `FEE.NO_SCHEDULE`); a table with a malformed cell throws `ReferenceDataError`.
 */
export function loadFeeSchedule(dir: string): FeeSchedule | null {
  const file = path.join(path.resolve(dir), FEE_FILE);
  if (cache.has(file)) return cache.get(file)!;
  let bytes: Buffer | null = null;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (!['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  let schedule: FeeSchedule | null = null;
  if (bytes) {
    const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    try {
      schedule = parseFeeTable(
        bytes.toString('utf8'),
        `CMS PFS national non-facility (GPCI 1.0) from ${path.basename(path.dirname(file))}/${FEE_FILE} sha256 ${sha}`,
      );
    } catch (error) {
      throw new ReferenceDataError(file, (error as Error).message);
    }
  }
  cache.set(file, schedule);
  return schedule;
}
