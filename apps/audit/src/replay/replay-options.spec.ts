import { parseReplayOptions, ReplayArgumentError } from './replay-options';

describe('parseReplayOptions', () => {
  it('given the minimum, when parsed, then defaults apply (kafka, json, month rule set)', () => {
    expect(parseReplayOptions({ tenant: 'acme-health', month: '2025-03' })).toEqual({
      tenantId: 'acme-health',
      month: '2025-03',
      asOf: null,
      source: 'kafka',
      rules: null,
      patientId: null,
      format: 'json',
    });
  });

  it('given the same knowledge time in two zones, when parsed, then both normalize to one UTC instant', () => {
    const a = parseReplayOptions({ tenant: 't', month: '2025-03', asOf: '2025-04-01T00:00:00-05:00' });
    const b = parseReplayOptions({ tenant: 't', month: '2025-03', asOf: '2025-04-01T05:00:00Z' });
    expect(a.asOf).toBe('2025-04-01T05:00:00.000Z');
    expect(b.asOf).toBe(a.asOf);
  });

  it.each([
    [{ month: '2025-03' }, 'tenant'],
    [{ tenant: 't' }, 'month'],
    [{ tenant: 't', month: '2025-13' }, 'month'],
    [{ tenant: 't', month: '2025-3' }, 'month'],
    [{ tenant: 't', month: '2025-03', asOf: '2025-04-01T00:00:00' }, 'asOf'],
    [{ tenant: 't', month: '2025-03', asOf: '2025-04-01' }, 'asOf'],
    [{ tenant: 't', month: '2025-03', asOf: '2025-02-30T00:00:00Z' }, 'asOf'],
    [{ tenant: 't', month: '2025-03', source: 's3' }, 'source'],
    [{ tenant: 't', month: '2025-03', rules: 'CY2024' }, 'rules'],
    [{ tenant: 't', month: '2025-03', format: 'xml' }, 'format'],
    [{ tenant: 't:x', month: '2025-03' }, 'tenant'],
    [{ tenant: 't', month: '2025-03', patient: 'a/b' }, 'patient'],
  ])('given %j, when parsed, then it is refused naming %s', (raw, field) => {
    let error: unknown;
    try {
      parseReplayOptions(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReplayArgumentError);
    expect((error as ReplayArgumentError).field).toBe(field);
    expect((error as ReplayArgumentError).code).toBe('AUDIT.BAD_ARGUMENT');
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
  });
});
