import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';

/**
 * The `careledger` CLI. Each command lives in `commands/<name>.command.ts` and registers itself on
 * the program; exit codes: 0 done, 1 ran but found failures (e.g. a conformance FAIL), 2 bad input.
 */
async function main(argv: string[]): Promise<number> {
  const program = new Command('careledger')
    .description(
      'CareLedger: event-sourced care-management ledger. Every command documents itself with --help.',
    )
    .showHelpAfterError()
    .exitOverride();
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  for (const register of COMMANDS) register(program, setExit);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`careledger: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCode || 1;
  }
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`careledger: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
