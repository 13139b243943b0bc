import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkReports } = require('./check-reports.js') as {
  checkReports(root: string): { file: string; stale: boolean; reason: string; source: string }[];
};

/** A throw-away git repository with the project's layout (apps/, libs/, test/reports/, bench/results/). */
function repo(): { dir: string; commit(message: string): string; write(file: string, text: string): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-reports-'));
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  git('init', '-q');
  return {
    dir,
    write(file, text) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

describe('check:reports (stale measurement reports)', () => {
  it('given reports produced at the last change of apps/libs, then every report is current', () => {
    const r = repo();
    r.write('apps/a.ts', 'v1');
    const code = r.commit('code');
    r.write('test/reports/reliability.json', JSON.stringify({ reportCommit: code }));
    r.write('bench/results/x.json', '{}');
    r.commit('reports');
    r.write('README.md', 'docs only');
    r.commit('docs');
    expect(checkReports(r.dir).map((v) => [v.file, v.stale])).toEqual([
      ['test/reports/reliability.json', false],
      ['bench/results/x.json', false],
    ]);
  });

  it('given a later change to libs/ (the injected fault), then both reports are stale', () => {
    const r = repo();
    r.write('libs/a.ts', 'v1');
    const code = r.commit('code');
    r.write('test/reports/reliability.json', JSON.stringify({ reportCommit: code }));
    r.write('bench/results/x.json', '{}');
    r.commit('reports');
    r.write('libs/a.ts', 'v2');
    r.commit('a change after the measurement');
    const verdicts = checkReports(r.dir);
    expect(verdicts.map((v) => v.stale)).toEqual([true, true]);
    expect(verdicts[0]!.reason).toMatch(/1 later commit\(s\) changed apps\/ or libs\//);
    expect(verdicts[1]!.source).toBe('last commit of the file');
  });

  it('given later commits that only touch specs beside the code, then the reports stay current', () => {
    const r = repo();
    r.write('libs/a.ts', 'v1');
    const code = r.commit('code');
    r.write('test/reports/reliability.json', JSON.stringify({ reportCommit: code }));
    r.commit('report');
    r.write('libs/a.spec.ts', 'unit');
    r.write('apps/b/c.int-spec.ts', 'integration');
    r.commit('tests only');
    expect(checkReports(r.dir).map((v) => [v.file, v.stale])).toEqual([
      ['test/reports/reliability.json', false],
    ]);
    r.write('libs/a.ts', 'v2');
    r.commit('code again');
    expect(checkReports(r.dir)[0]!.stale).toBe(true);
  });

  it('given a reliability report without reportCommit or with an unknown one, then it is stale', () => {
    const r = repo();
    r.write('apps/a.ts', 'v1');
    r.write('test/reports/reliability.json', JSON.stringify({ reportCommit: 'f'.repeat(40) }));
    r.commit('everything');
    expect(checkReports(r.dir)[0]).toMatchObject({
      stale: true,
      reason: expect.stringMatching(/not in HEAD/),
    });
  });

  it('given a reliability report whose run did not record every suite, then it is stale, naming them', () => {
    const r = repo();
    r.write('apps/a.ts', 'v1');
    const code = r.commit('code');
    r.write('test/reports/reliability.json', JSON.stringify({ reportCommit: code, missingSuites: ['phi'] }));
    r.commit('report of a run whose PHI scan died');
    expect(checkReports(r.dir)[0]).toMatchObject({
      stale: true,
      reason: 'suite(s) missing from its run: phi',
    });
    r.write('test/reports/reliability.json', JSON.stringify({ reportCommit: code, missingSuites: [] }));
    r.commit('a complete run');
    expect(checkReports(r.dir)[0]!.stale).toBe(false);
  });
});
