import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { feeOf } from '@careledger/domain';
import { loadFeeSchedule } from './fee-schedule.loader';
import { ReferenceDataError } from '@careledger/config';

// The shared data folder sits beside the repository, locally and in CI; it is never copied in.
const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');

describe('loadFeeSchedule (the fee table of shared/data/README.md, read in place)', () => {
  it('reads CY2025 and CY2026 national non-facility amounts with the conversion factors the data names', () => {
    const s = loadFeeSchedule(SHARED_DATA)!;
    expect(s.source).toMatch(
      /^CMS PFS national non-facility \(GPCI 1\.0\) from data\/README\.md sha256 [0-9a-f]{12}$/,
    );
    expect([...s.years.keys()]).toEqual([2025, 2026]);
    expect(s.years.get(2025)!.basis.conversionFactor).toBe('32.3465');
    expect(s.years.get(2026)!.basis.conversionFactor).toBe('33.4009');
    expect(s.years.get(2025)!.amounts.size).toBe(19);
    expect(feeOf(s, '99490', 1, '2025-04-30')).toMatchObject({ unitCents: 6049, year: 2025 });
    expect(feeOf(s, '99439', 2, '2026-10-31')).toMatchObject({ unitCents: 5044, amountCents: 10088 });
    expect(feeOf(s, '99487', 1, '2025-04-30').unitCents).toBe(13165);
    expect(feeOf(s, 'G2214', 1, '2026-01-31').unitCents).toBe(6079);
  });

  it('codes the rule sets bill that the data does not price are explicit: status I, or not in the table', () => {
    const s = loadFeeSchedule(SHARED_DATA)!;
    expect(feeOf(s, '90863', 1, '2025-04-30').reason?.code).toBe('FEE.NOT_PAYABLE');
    for (const code of ['99495', '99496', 'G0506', 'G0556', 'G0557', 'G0558'])
      expect([code, feeOf(s, code, 1, '2026-04-30').reason?.code]).toEqual([
        code,
        'FEE.CODE_NOT_IN_SCHEDULE',
      ]);
    expect(feeOf(s, '99490', 1, '2024-12-31').reason?.code).toBe('FEE.YEAR_NOT_IN_SCHEDULE');
  });

  it('a folder without the README: null; a README with a malformed amount: ReferenceDataError naming the file', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-fees-'));
    try {
      expect(loadFeeSchedule(empty)).toBeNull();
      const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-fees-'));
      const text = fs
        .readFileSync(path.join(SHARED_DATA, 'README.md'), 'utf8')
        .replace('| 60.49 |', '| 60.4 |');
      fs.writeFileSync(path.join(bad, 'README.md'), text);
      expect(() => loadFeeSchedule(bad)).toThrow(ReferenceDataError);
      fs.rmSync(bad, { recursive: true, force: true });
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
