import type { Command } from 'commander';

/** A CLI command module: registers its subcommand(s); `setExit` raises the process exit code. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;

/** Every command of the CLI. Add one line per `*.command.ts`. */
export const COMMANDS: RegisterCommand[] = [];
