import { ProblemError } from '@careledger/http';
import { canonicalQuery, DEFAULT_COUNT, FhirCursorCodec, MAX_COUNT, parseCount } from './fhir-paging';
import { FhirSearchParamError } from './fhir-search';

const codec = new FhirCursorCodec('a-secret-of-sixteen-or-more');
const at = { tenantId: 't1', type: 'Encounter', query: 'date=2025-03' };

function refusal(f: () => unknown): { code: string; field: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof ProblemError) return { code: e.code, field: e.errors[0]!.field };
    if (e instanceof FhirSearchParamError) return { code: e.code, field: e.parameter };
  }
  throw new Error('expected a refusal');
}

describe('FHIR search paging (ADR 1116)', () => {
  it('given a cursor it signed, when verified for the same tenant and search, then gives the key back', () => {
    const cursor = codec.sign({ ...at, key: ['P0001', 'E-7'] });
    expect(codec.verify(cursor, at)).toEqual(['P0001', 'E-7']);
  });

  it('refuses a cursor with any byte changed, another tenant, another search or another key', () => {
    const cursor = codec.sign({ ...at, key: ['P0001', 'E-7'] });
    const [body, mac] = cursor.split('.') as [string, string];
    const forged = Buffer.from(
      Buffer.from(body, 'base64url').toString('utf8').replace('P0001', 'P0002'),
    ).toString('base64url');
    expect(refusal(() => codec.verify(`${forged}.${mac}`, at))).toEqual({
      code: 'FHIR.BAD_CURSOR',
      field: '_cursor',
    });
    const flipped = `${body}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(refusal(() => codec.verify(flipped, at)).code).toBe('FHIR.BAD_CURSOR');
    expect(refusal(() => codec.verify(cursor, { ...at, tenantId: 't2' })).code).toBe('FHIR.BAD_CURSOR');
    expect(refusal(() => codec.verify(cursor, { ...at, query: 'date=2025-04' })).code).toBe(
      'FHIR.BAD_CURSOR',
    );
    expect(refusal(() => codec.verify(cursor, { ...at, type: 'Condition' })).code).toBe('FHIR.BAD_CURSOR');
    expect(refusal(() => codec.verify('not-a-cursor', at)).code).toBe('FHIR.BAD_CURSOR');
    const other = new FhirCursorCodec('another-secret-of-sixteen');
    expect(refusal(() => other.verify(cursor, at)).code).toBe('FHIR.BAD_CURSOR');
  });

  it('bounds _count and names it when it is not 1..MAX_COUNT', () => {
    expect(parseCount([])).toBe(DEFAULT_COUNT);
    expect(parseCount(['7'])).toBe(7);
    expect(parseCount([String(MAX_COUNT)])).toBe(MAX_COUNT);
    for (const bad of [['0'], [String(MAX_COUNT + 1)], ['-1'], ['ten'], ['1.5'], ['1', '2']]) {
      expect(refusal(() => parseCount(bad))).toEqual({ code: 'FHIR.BAD_PARAMETER', field: '_count' });
    }
  });

  it('binds a cursor to the matching parameters only, in any order', () => {
    expect(
      canonicalQuery({ date: ['ge2025-03', 'le2025-04'], patient: 'P1', _count: '5', _cursor: 'x' }),
    ).toBe(canonicalQuery({ patient: 'P1', minPosition: '9', date: ['ge2025-03', 'le2025-04'] }));
    expect(canonicalQuery({ date: '2025-03' })).not.toBe(canonicalQuery({ date: '2025-04' }));
  });
});
