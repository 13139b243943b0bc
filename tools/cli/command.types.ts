import type { Command } from 'commander';

/** A CLI command module: registers its subcommand(s); `setExit` raises the process exit code. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;
