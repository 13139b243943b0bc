#!/usr/bin/env node
'use strict';
/**
 * `npm run check:reports`: is every committed measurement report still current? A report is stale
 * when a commit after the one it was produced at changed `apps/` or `libs/` (ADR 0808), their specs
 * (`*.spec.ts`, `*.int-spec.ts`) aside.
 *   - test/reports/reliability.json names its commit in `reportCommit`;
 *   - bench/results/*.json (the newest of each scale/kind; older ones are history) name it in `reportCommit` when they have one, otherwise the commit that last
 *     wrote the file counts (the bench was run on the tree that commit was made from).
 * A reliability report that lists `missingSuites` (suites its run never recorded) is stale too.
 * Exit 0 when every report is current, 1 when one is stale or its commit is unknown. `.ci/run` prints
 * the verdict as a warning and never fails on it (a late regeneration must not block a submission).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const WATCHED = ['apps', 'libs'];
// Tests beside the code cannot move a figure: a commit that only adds or edits specs leaves reports current.
const IGNORED = [':(exclude,glob)**/*.spec.ts', ':(exclude,glob)**/*-spec.ts'];

function git(root, args) {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim() };
}

/** The committed reports of a checkout, relative to `root`. */
function reportFiles(root) {
  const out = [];
  if (fs.existsSync(path.join(root, 'test', 'reports', 'reliability.json')))
    out.push('test/reports/reliability.json');
  const bench = path.join(root, 'bench', 'results');
  if (fs.existsSync(bench)) {
    // Only the newest report of each kind (`<date>-<scale>[-<suffix>].json`) is the current claim; older
    // ones are kept as history (the "before" of an ADR) and are not expected to be current.
    const newest = new Map();
    for (const f of fs.readdirSync(bench).sort())
      if (f.endsWith('.json')) newest.set(f.replace(/^\d{4}-\d{2}-\d{2}-/, ''), f);
    for (const f of newest.values()) out.push(`bench/results/${f}`);
  }
  return out.filter((f) => git(root, ['ls-files', '--error-unmatch', f]).ok);
}

/** The commit one report was produced at, and where that came from. */
function producedAt(root, file) {
  let doc = {};
  try {
    doc = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  } catch {
    /* unreadable: fall back to git */
  }
  const missing = Array.isArray(doc.missingSuites) ? doc.missingSuites : [];
  if (typeof doc.reportCommit === 'string' && doc.reportCommit.length > 0)
    return { commit: doc.reportCommit, source: 'reportCommit', missing };
  const last = git(root, ['log', '-1', '--format=%H', '--', file]).out;
  return { commit: last || null, source: 'last commit of the file', missing };
}

/** One verdict per committed report: `{ file, commit, source, stale, reason }`. */
function checkReports(root) {
  return reportFiles(root).map((file) => {
    const { commit, source, missing } = producedAt(root, file);
    if (!commit) return { file, commit, source, stale: true, reason: 'no commit recorded' };
    // A run in which a suite died before recording is not a measurement of that suite.
    if (missing.length > 0)
      return {
        file,
        commit,
        source,
        stale: true,
        reason: `suite(s) missing from its run: ${missing.join(', ')}`,
      };
    if (!git(root, ['merge-base', '--is-ancestor', commit, 'HEAD']).ok)
      return {
        file,
        commit,
        source,
        stale: true,
        reason: `commit ${commit.slice(0, 10)} is not in HEAD's history`,
      };
    const later = git(root, ['rev-list', `${commit}..HEAD`, '--', ...WATCHED, ...IGNORED])
      .out.split('\n')
      .filter(Boolean);
    return later.length > 0
      ? {
          file,
          commit,
          source,
          stale: true,
          reason: `${later.length} later commit(s) changed ${WATCHED.join('/ or ')}/ (newest ${later[0].slice(0, 10)})`,
        }
      : { file, commit, source, stale: false, reason: 'current' };
  });
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const verdicts = checkReports(root);
  for (const v of verdicts)
    process.stdout.write(
      `check:reports: ${v.stale ? 'STALE' : 'ok'}    ${v.file} (at ${v.commit ? v.commit.slice(0, 10) : '?'}, ${v.source}): ${v.reason}\n`,
    );
  if (verdicts.length === 0) process.stdout.write('check:reports: no committed reports\n');
  process.exit(verdicts.some((v) => v.stale) ? 1 : 0);
}

module.exports = { checkReports, WATCHED };
