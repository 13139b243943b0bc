import { instrumentationDatabaseName } from '../instrumentation.bench';
import { assertBenchDatabase } from './bench-db';

describe('instrumentation bench database', () => {
  it('given any configured database, uses its own careledger_bench_instr_ database that the bench may drop', () => {
    expect(instrumentationDatabaseName('careledger_test_obs')).toBe(
      'careledger_bench_instr_careledger_test_obs',
    );
    expect(instrumentationDatabaseName('careledger')).toBe('careledger_bench_instr_careledger');
    expect(() => assertBenchDatabase(instrumentationDatabaseName('Care-Ledger'))).not.toThrow();
    expect(instrumentationDatabaseName('x'.repeat(80))).toHaveLength(63);
  });
});
