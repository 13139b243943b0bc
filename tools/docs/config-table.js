#!/usr/bin/env node
'use strict';
/**
 * The README's configuration table, generated rather than retyped: every key of `.env.example` with
 * its default and the comment above it, checked against the keys of `libs/config` `CONFIG_KEYS`
 * (read from the source, so no build is needed). `--write` rewrites the block between the markers
 * `<!-- config-table:start -->` and `<!-- config-table:end -->` in README.md; without it the table is
 * printed. `tools/docs/readme.spec.ts` fails when the README's block is stale.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

/** Keys declared in libs/config/src/load-config.ts CONFIG_KEYS, in order, with their dotted path. */
function configKeys() {
  const src = fs.readFileSync(path.join(root, 'libs/config/src/load-config.ts'), 'utf8');
  const body = src.slice(src.indexOf('export const CONFIG_KEYS'), src.indexOf('} as const'));
  // an entry may span several lines once Prettier wraps it
  return [...body.matchAll(/^\s+(CARELEDGER_[A-Z0-9_]+): \{\s*path: '([^']+)'/gm)].map((m) => ({
    key: m[1],
    path: m[2],
  }));
}

/** `.env.example` entries: key, default and the comment lines right above it. */
function envExample() {
  const lines = fs.readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
  const entries = [];
  let comment = [];
  for (const [i, line] of lines.entries()) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) {
      entries.push({ key: m[1], value: m[2], comment: comment.join(' ') });
      comment = [];
    } else if (line.startsWith('#') && i > 0) comment.push(line.replace(/^#\s?/, ''));
    else comment = [];
  }
  return entries;
}

/** Notes for keys whose `.env.example` line has no comment of its own (the comment wins when there is one). */
const NOTES = {
  CARELEDGER_ENV: '`development` (development tokens and demo allowed), `test`, or `production`.',
  CARELEDGER_LOG_LEVEL: 'pino level: fatal, error, warn, info, debug, trace, silent.',
  CARELEDGER_EXCLUSIVE_CHOICE_POLICY: 'Which of two compliant alternatives is billed (RULES.md 5).',
  CARELEDGER_DB_HOST: 'PostgreSQL host.',
  CARELEDGER_DB_PORT: 'PostgreSQL port.',
  CARELEDGER_DB_USER: 'PostgreSQL user (local clusters use trust auth over loopback).',
  CARELEDGER_DB_PASSWORD: 'PostgreSQL password (a secret in production).',
  CARELEDGER_DB_NAME: 'Database of the event store and read models; infra:up creates it.',
  CARELEDGER_KAFKA_BROKERS: 'Comma-separated bootstrap brokers; infra:up listens on the first.',
  CARELEDGER_KAFKA_CLIENT_ID: 'kafkajs client id prefix.',
  CARELEDGER_EVENTS_TOPIC: 'The event log topic (deploy/topics.json declares its settings).',
  CARELEDGER_DLQ_TOPIC: 'Dead-letter topic of the projector.',
  CARELEDGER_PROJECTOR_GROUP_ID: 'Consumer group of the projector; every member shares it.',
  CARELEDGER_HTTP_HOST: 'Interface the apps listen on (0.0.0.0 in containers).',
  CARELEDGER_CARE_API_PORT: 'care-api (write side).',
  CARELEDGER_QUERY_API_PORT: 'query-api (read models, CSV).',
  CARELEDGER_AUDIT_PORT: 'audit (replays over HTTP).',
  CARELEDGER_PROJECTOR_PORT: 'projector (health only).',
  CARELEDGER_HTTP_BODY_LIMIT: 'Largest request body; larger ones get 413.',
  CARELEDGER_HTTP_REQUEST_TIMEOUT_MS: 'Per-request timeout of every app.',
  CARELEDGER_AUTH_ISSUER: 'Expected `iss` of bearer tokens.',
  CARELEDGER_AUTH_AUDIENCE: 'Expected `aud` of bearer tokens.',
  CARELEDGER_RATE_LIMIT_WRITE_BURST: 'Writes a token subject may burst above the sustained rate.',
  CARELEDGER_AUTH_DEV_KEY: 'The development HS256 key; `npm start` generates one in `.infra/dev.env`.',
  CARELEDGER_RELAY_ENABLED:
    'Run the outbox relay inside care-api (leader-locked; several replicas are safe).',
  CARELEDGER_RELAY_POLL_INTERVAL_MS: 'Relay fallback poll when no NOTIFY arrives.',
  CARELEDGER_RELAY_BATCH_SIZE:
    'Events per relay batch: outbox rows (one per append) are taken while their events fit, at least one.',
};

function table() {
  const keys = configKeys();
  const env = new Map(envExample().map((e) => [e.key, e]));
  const missing = keys.filter((k) => !env.has(k.key)).map((k) => k.key);
  const unknown = [...env.keys()].filter((k) => !keys.some((c) => c.key === k));
  if (missing.length || unknown.length) {
    throw new Error(
      `.env.example and CONFIG_KEYS differ: missing from .env.example ${missing.join(', ') || '-'}; unknown ${unknown.join(', ') || '-'}`,
    );
  }
  const cell = (s) => s.replace(/\|/g, '\\|');
  const rows = keys.map(({ key, path: p }) => {
    const e = env.get(key);
    return `| \`${key}\` | ${e.value === '' ? '_(empty)_' : `\`${cell(e.value)}\``} | \`${p}\` | ${cell(e.comment || NOTES[key] || '')} |`;
  });
  return ['| key | default | config path | notes |', '|---|---|---|---|', ...rows].join('\n');
}

/** README.md with the block between the markers replaced by the current table. */
function renderReadme(readme) {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  return `${readme.slice(0, a + START.length)}\n${table()}\n${readme.slice(b)}`;
}

module.exports = { table, renderReadme, configKeys, envExample };

if (require.main === module) {
  if (process.argv.includes('--write')) {
    const file = path.join(root, 'README.md');
    fs.writeFileSync(file, renderReadme(fs.readFileSync(file, 'utf8')));
    process.stderr.write('README.md: configuration table updated\n');
  } else {
    process.stdout.write(`${table()}\n`);
  }
}
