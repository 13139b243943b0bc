import type { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { Command } from 'commander';
import { repoRoot } from '@careledger/config';
import type { RegisterCommand } from '../command.types';

/**
 * Examples for the commands whose modules do not print their own (issue 9: "`--help` documents every
 * command with examples"). Kept in one place so that no command module has to change; a command that
 * adds its own `addHelpText('after', ...)` later is left alone (see {@link registerHelpExamples}).
 */
export const HELP_EXAMPLES: Record<string, string[]> = {
  audit: [
    'npm run --silent careledger -- audit replay --tenant demo-health --month 2026-10 --out replay.json',
  ],
  'audit replay': [
    '# last month from the Kafka log, report to a file (digest and totals on stderr)',
    'npm run --silent careledger -- audit replay --tenant demo-health --month 2026-10 --out replay.json',
    '# what was known at the claim deadline, from the event store',
    'npm run --silent careledger -- audit replay --tenant demo-health --month 2026-10 --as-of 2026-11-05T00:00:00Z --source store',
    '# one patient under the other rule set ("what if"), as CSV',
    'npm run --silent careledger -- audit replay --tenant demo-health --month 2026-10 --patient P0001 --rules CY2025 --format csv',
  ],
  evaluate: [
    'npm run --silent careledger -- evaluate ../shared/conformance/scenarios/<file>.json',
    'npm run --silent careledger -- evaluate ../shared/conformance/scenarios --out /tmp/determinations',
  ],
  conformance: [
    'npm run --silent careledger -- conformance',
    '# through the running platform (npm start in another terminal): API -> store -> Kafka -> projector -> query',
    'npm run --silent careledger -- conformance --via system',
  ],
  migrate: [
    'npm run --silent careledger -- migrate',
    'npm run --silent careledger -- migrate --database careledger_test',
  ],
  token: [
    'npm run --silent careledger -- token --tenant demo-health --roles billing',
    'TOKEN=$(npm run --silent careledger -- token --tenant demo-health --roles care_manager --departments care-management --ttl 2h)',
    'curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:3001/v1/tenants/demo-health/worklist?limit=5"',
  ],
  projections: [
    'npm run --silent careledger -- projections status',
    'npm run --silent careledger -- projections rebuild',
  ],
  'projections status': ['npm run --silent careledger -- projections status'],
  'projections rebuild': [
    '# build version N+1 beside N from offset 0, switch when caught up, drop N after 5 s',
    'npm run --silent careledger -- projections rebuild',
    'npm run --silent careledger -- projections rebuild --force --keep-old',
  ],
  infra: ['npm run infra:up', 'npm run infra:status -- --json', 'npm run infra:down'],
};

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function visit(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) visit(sub, fn);
}

/**
 * `infra` runs from `deploy/local/infra.js` before anything is built (`tools/careledger.js` hands it
 * over directly); it is declared here too so that `--help` lists it, and so that the compiled CLI
 * (`node dist/tools/cli/main.js infra up`, as in a container) works the same way.
 */
function registerInfraCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('infra')
    .description(
      'Local infrastructure without Docker: a KRaft Kafka broker from Maven jars and the PostgreSQL cluster',
    )
    .argument('<action>', 'up (idempotent), down (Kafka only), status, or topics (create deploy/topics.json)')
    .argument('[flags...]', 'e.g. --json for status')
    .action(async (action: string, flags: string[]) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const infra = require(path.join(repoRoot(), 'deploy/local/infra.js')) as {
        main(args: string[]): Promise<number | undefined>;
      };
      setExit((await infra.main([action, ...flags])) ?? 0);
    });
}

/**
 * Registered last: declares `infra` and adds an `Examples:` section to every command without
 * after-help text of its own.
 */
export const registerHelpExamples: RegisterCommand = (program: Command, setExit) => {
  if (!program.commands.some((c) => c.name() === 'infra')) registerInfraCommand(program, setExit);
  visit(program, (cmd) => {
    if (cmd === program || cmd.name() === 'help') return;
    const examples = HELP_EXAMPLES[fullName(cmd)];
    // commander keeps after-help text as 'afterHelp' listeners: an owner's own examples win
    if (!examples || (cmd as unknown as EventEmitter).listenerCount('afterHelp') > 0) return;
    cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n`);
  });
  program.addHelpText(
    'after',
    [
      '',
      'Run any command with:  npm run --silent careledger -- <command> [options]',
      'Start here:            npm start   (platform + demo; prints tokens and a four-command tour)',
      'Details of a command:  npm run --silent careledger -- <command> --help',
      '',
    ].join('\n'),
  );
};
