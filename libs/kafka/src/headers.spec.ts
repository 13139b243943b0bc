import { decodeHeaders, encodeHeaders } from './headers';
import { HeaderValueError } from './kafka.errors';

describe('encodeHeaders / decodeHeaders', () => {
  it('round-trips id headers as strings and leaves out absent values', () => {
    const encoded = encodeHeaders({
      'event-id': 'e-1',
      'schema-version': 2,
      'causation-id': null,
      'correlation-id': undefined,
    });
    expect(encoded).toEqual({ 'event-id': 'e-1', 'schema-version': '2' });
    expect(decodeHeaders(encoded)).toEqual({ 'event-id': 'e-1', 'schema-version': '2' });
  });

  it('decodes Buffers as UTF-8 and keeps the last of repeated values', () => {
    expect(
      decodeHeaders({ a: Buffer.from('x'), b: [Buffer.from('1'), Buffer.from('2')], c: undefined }),
    ).toEqual({ a: 'x', b: '2' });
    expect(decodeHeaders(undefined)).toEqual({});
  });

  it('refuses multi-line or oversized values and non-kebab names, naming the header', () => {
    expect(() => encodeHeaders({ 'event-id': 'a\nb' })).toThrow(HeaderValueError);
    expect(() => encodeHeaders({ 'event-id': 'x'.repeat(1025) })).toThrow(/event-id/);
    expect(() => encodeHeaders({ EventId: 'x' })).toThrow(/EventId/);
  });
});
