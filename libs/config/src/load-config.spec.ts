import { ConfigValidationError, loadConfig } from './load-config';

/** Problems of a configuration that must not load, as `KEY: message` lines. */
function problemsOf(env: Record<string, string>): { key: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.problems;
    throw err;
  }
  throw new Error('the configuration loaded');
}

describe('loadConfig: the pool sized for the in-flight requests (ADR 0406)', () => {
  it('given no pool size, when loaded, then the pool holds every in-flight request plus the headroom', () => {
    const byDefault = loadConfig({});
    expect(byDefault.db.poolMax).toBe(byDefault.http.maxInFlight + 2);
    expect(loadConfig({ CARELEDGER_HTTP_MAX_IN_FLIGHT: '40' }).db.poolMax).toBe(42);
  });

  it('given a pool at least that large, when loaded, then it is kept', () => {
    expect(loadConfig({ CARELEDGER_HTTP_MAX_IN_FLIGHT: '8', CARELEDGER_DB_POOL_MAX: '30' }).db.poolMax).toBe(
      30,
    );
  });

  it('given a pool smaller than the in-flight requests need, when loaded, then boot fails naming the pool key', () => {
    expect(problemsOf({ CARELEDGER_HTTP_MAX_IN_FLIGHT: '16', CARELEDGER_DB_POOL_MAX: '10' })).toEqual([
      {
        key: 'CARELEDGER_DB_POOL_MAX',
        message: expect.stringContaining('at least CARELEDGER_HTTP_MAX_IN_FLIGHT + 2 (18)'),
      },
    ]);
  });

  it('given a bad in-flight limit, when loaded, then boot fails naming that key', () => {
    expect(problemsOf({ CARELEDGER_HTTP_MAX_IN_FLIGHT: '0' }).map((p) => p.key)).toEqual([
      'CARELEDGER_HTTP_MAX_IN_FLIGHT',
    ]);
    expect(problemsOf({ CARELEDGER_HTTP_MAX_IN_FLIGHT: 'many' }).map((p) => p.key)).toContain(
      'CARELEDGER_HTTP_MAX_IN_FLIGHT',
    );
    // 199 in flight would need 201 connections: more than a pool may have.
    expect(problemsOf({ CARELEDGER_HTTP_MAX_IN_FLIGHT: '199' })).toEqual([
      { key: 'CARELEDGER_HTTP_MAX_IN_FLIGHT', message: expect.stringContaining('at most 200') },
    ]);
  });
});
