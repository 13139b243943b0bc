// eslint-disable-next-line @typescript-eslint/no-require-imports
const { newClusterId } = require('../../deploy/local/kafka-nodes.js') as {
  newClusterId(random?: (n: number) => Buffer): string;
};

/**
 * The local cluster id (deploy/local/kafka-nodes.js): Kafka's storage tool refuses `-t <id>` when the
 * id starts with '-' (its parser takes it for an option), which failed a fresh private broker of the
 * fault suite in CI. Given/when/then on the random source itself, so the bad draw is certain.
 */
describe('newClusterId', () => {
  it('given a random draw whose base64url starts with "-", when an id is made, then it draws again', () => {
    // 0xfb... encodes to "-..." in base64url; the second draw encodes to "AAAA...".
    const draws = [Buffer.alloc(16, 0xfb), Buffer.alloc(16, 0)];
    const calls: number[] = [];
    const id = newClusterId((n) => {
      calls.push(n);
      return draws.shift()!;
    });
    expect(Buffer.alloc(16, 0xfb).toString('base64url').startsWith('-')).toBe(true);
    expect(calls).toEqual([16, 16]);
    expect(id).toBe(Buffer.alloc(16, 0).toString('base64url'));
  });

  it('makes 22-character base64url ids that never start with "-" (10,000 draws)', () => {
    const ids = Array.from({ length: 10_000 }, () => newClusterId());
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
