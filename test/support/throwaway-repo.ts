// A throwaway git repository in a temp dir, for tests of the pipeline and `codingworker run`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ThrowawayRepo {
  /** The repository's work tree (branch main checked out). */
  path: string;
  /** A temp dir next to it for workspaces, messages and the like. */
  scratch: string;
  git(...args: string[]): string;
  remove(): void;
}

export function createThrowawayRepo(
  files: Record<string, string> = { 'README.md': '# demo\n' },
): ThrowawayRepo {
  const scratch = mkdtempSync(join(tmpdir(), 'cw-repo-'));
  const path = join(scratch, 'repo');
  mkdirSync(path);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: path,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: scratch,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Maintainer',
        GIT_AUTHOR_EMAIL: 'maintainer@example.com',
        GIT_COMMITTER_NAME: 'Maintainer',
        GIT_COMMITTER_EMAIL: 'maintainer@example.com',
      },
    });
  git('init', '--quiet', '--initial-branch=main');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(path, name)), { recursive: true });
    writeFileSync(join(path, name), content);
  }
  git('add', '--all');
  git('commit', '--quiet', '-m', 'initial commit');
  return { path, scratch, git, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}
