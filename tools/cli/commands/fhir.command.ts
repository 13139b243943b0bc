import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from '../command.types';
import { FhirValidatorUnavailableError, validateFhirFiles } from '../fhir/fhir-validator';

/**
 * `careledger fhir validate FILE...`: the HAPI FHIR R4 validator the tests use (ADR 1111). Prints, per
 * file, PASS or FAIL with the error and warning counts and every error and warning with its location.
 * Exit 0 when every file has 0 errors (warnings do not fail), 1 when one has an error, 2 on bad input.
 */
export const registerFhir: RegisterCommand = (program: Command, setExit) => {
  const fhir = program.command('fhir').description('FHIR R4 tools');
  fhir
    .command('validate')
    .description('Validate FHIR R4 JSON resources or Bundles with the HAPI FHIR validator (0 errors = pass)')
    .argument('<files...>', 'FHIR R4 JSON files')
    .option('--json', 'print one JSON line per file instead of text')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const missing = files.filter((f) => !fs.existsSync(f) || !fs.statSync(f).isFile());
      if (missing.length > 0) {
        process.stderr.write(`careledger fhir validate: no such file: ${missing.join(', ')}\n`);
        setExit(2);
        return;
      }
      let results;
      try {
        results = await validateFhirFiles(files);
      } catch (err) {
        if (!(err instanceof FhirValidatorUnavailableError)) throw err;
        process.stderr.write(`careledger fhir validate: ${err.message}\n`);
        setExit(2);
        return;
      }
      for (const r of results) {
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
        } else {
          const verdict = r.errors === 0 ? 'PASS' : 'FAIL';
          process.stdout.write(`${verdict} ${r.file}: ${r.errors} error(s), ${r.warnings} warning(s)\n`);
          for (const m of r.messages) process.stdout.write(`  ${m.severity} ${m.location}: ${m.message}\n`);
        }
        if (r.errors > 0) setExit(1);
      }
    });
};
