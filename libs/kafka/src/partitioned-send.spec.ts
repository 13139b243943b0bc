import { partitionsOf } from './partitioned-send';

/** The partition of a keyed message, as the relay's one-send-per-partition path places it. */
describe('partitionsOf', () => {
  it('gives the Java client murmur2 partition of each key (the same patient, the same partition)', () => {
    const keys = ['t1:P1', 't1:P2', 't1:P1', 'tenant-a:P0005'];
    const got = partitionsOf(
      keys.map((key) => ({ key, value: 'v' })),
      6,
    );
    expect(got[0]).toBe(got[2]);
    expect(got.every((p) => Number.isInteger(p) && p >= 0 && p < 6)).toBe(true);
    // Placing over one partition puts everything on partition 0.
    expect(partitionsOf([{ key: 'x', value: 'v' }], 1)).toEqual([0]);
  });

  it('refuses a message without a key, naming it', () => {
    expect(() => partitionsOf([{ key: 'k', value: 'a' }, { value: 'b' }], 3)).toThrow(/message 1 has no key/);
  });
});
