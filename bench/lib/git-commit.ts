import { spawnSync } from 'node:child_process';
import { repoRoot } from '@careledger/config';

/** The measured commit (`git rev-parse HEAD`); "+dirty" when tracked files differ from it. */
export function gitCommit(): string {
  const git = (args: string[]) =>
    spawnSync('git', args, { cwd: repoRoot(), encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = git(['rev-parse', 'HEAD']) || 'unknown';
  return git(['status', '--porcelain', '--untracked-files=no']) ? `${head}+dirty` : head;
}
