import type { RegisterCommand } from '../command.types';
import { registerStart } from './start.command';
import { registerMigrate } from './migrate.command';
import { registerToken } from './token.command';

export type { RegisterCommand } from '../command.types';

/** Every command of the CLI. Add one line per `*.command.ts`. */
export const COMMANDS: RegisterCommand[] = [
  registerStart,
  registerMigrate,
  registerToken,
];
