import type { RegisterCommand } from '../command.types';
import { registerAudit } from './audit.command';
import { registerGenerate } from './generate.command';
import { registerBench } from './bench.command';
import { registerConformance } from './conformance.command';
import { registerEvaluate } from './evaluate.command';
import { registerStart } from './start.command';
import { registerMigrate } from './migrate.command';
import { registerToken } from './token.command';
import { registerProjections } from './projections.command';
import { registerHelpExamples } from './help-examples.command';
import { registerBilling } from './billing.command';
import { registerExport } from './export.command';
import { registerFhir } from './fhir.command';

export type { RegisterCommand } from '../command.types';

/** Every command of the CLI. Add one line per `*.command.ts`. */
export const COMMANDS: RegisterCommand[] = [
  registerAudit,
  registerGenerate,
  registerBench,
  registerEvaluate,
  registerConformance,
  registerStart,
  registerMigrate,
  registerToken,
  registerProjections,
  registerBilling,
  registerExport,
  registerFhir,
  // last: examples for every command registered above that has none of its own
  registerHelpExamples,
];
