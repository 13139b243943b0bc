import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { clearReferenceDataCache, loadReferenceData, ReferenceDataError } from './reference-data.loader';

// The shared data folder sits beside the repository, locally and in CI; it is never copied in.
const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');

describe('loadReferenceData', () => {
  const temp: string[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-refdata-'));
    temp.push(dir);
    return dir;
  };
  afterAll(() => temp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  beforeEach(() => clearReferenceDataCache());

  it('reads the FY2026 code set and the CCIR chronic indicator from shared/data', () => {
    const data = loadReferenceData(SHARED_DATA);
    expect(data.codeSet?.size).toBe(74_719);
    expect(data.chronicIndicator?.size).toBe(75_699);
    expect(data.chronicIndicator?.get('E119')).toBe(1);
    expect(data.chronicIndicator?.get('J069')).toBe(0);
    expect(data.chronicIndicator?.get('Z7901')).toBe(9);
    // FY2026 added codes with a letter in 2nd position; the indicator dropped them (data README).
    expect(data.codeSet?.has('QA00101')).toBe(true);
    expect(data.chronicIndicator?.has('QA00101')).toBe(false);
    expect(data.codeSet?.has('E11')).toBe(false); // a header code, not billable
    expect(data.codeSet?.has('I10')).toBe(true);
    expect(data.source).toContain('ICD-10-CM FY2026');
    expect(data.source).toContain('AHRQ HCUP CCIR v2026-1');
  });

  it('caches per absolute folder', () => {
    const a = loadReferenceData(SHARED_DATA);
    const b = loadReferenceData(path.join(SHARED_DATA, '..', 'data'));
    expect(b).toBe(a);
  });

  it('returns null parts for a missing folder or missing files, never throws for absence', () => {
    expect(loadReferenceData(path.join(tempDir(), 'does-not-exist'))).toEqual({
      codeSet: null,
      chronicIndicator: null,
      source: 'none',
    });
    const onlyChronic = tempDir();
    fs.writeFileSync(
      path.join(onlyChronic, 'icd10cm_chronic.json'),
      JSON.stringify({ metadata: {}, codes: { E119: 1 } }),
    );
    const data = loadReferenceData(onlyChronic);
    expect(data.codeSet).toBeNull();
    expect(data.chronicIndicator?.get('E119')).toBe(1);
  });

  it('reads plain or gzipped code files and picks the newest fiscal year', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'icd10cm-codes-2025.txt'),
      'E119    Type 2 diabetes mellitus without complications\r\n',
    );
    fs.writeFileSync(
      path.join(dir, 'icd10cm-codes-2026.txt.gz'),
      gzipSync(
        'E119    Type 2 diabetes mellitus without complications\r\nQA00101 SCN2A-related disorder\r\n',
      ),
    );
    const data = loadReferenceData(dir);
    expect([...(data.codeSet ?? [])]).toEqual(['E119', 'QA00101']);
    expect(data.source).toContain('FY2026');
  });

  it('refuses a present but corrupt file instead of silently degrading', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'icd10cm_chronic.json'), JSON.stringify({ codes: { E119: 2 } }));
    expect(() => loadReferenceData(dir)).toThrow(ReferenceDataError);
    const dir2 = tempDir();
    fs.writeFileSync(path.join(dir2, 'icd10cm-codes-2026.txt'), 'e11.9 lower case is not the flat file\n');
    expect(() => loadReferenceData(dir2)).toThrow(/line 1/);
  });
});
