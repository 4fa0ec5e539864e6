// The bare repositories behind the test server: seeding, branch look-ups and the commits of a pull,
// read with the real git so that what tests push is what the API reports.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { RepositoryState, ServerState } from './state.ts';

export const run = promisify(execFile);

/** git isolated from the machine's configuration, with a fixed identity for the seed commits. */
export const git = (state: ServerState, cwd: string, args: string[]) =>
  run('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: state.root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Seed',
      GIT_AUTHOR_EMAIL: 'seed@example.com',
      GIT_COMMITTER_NAME: 'Seed',
      GIT_COMMITTER_EMAIL: 'seed@example.com',
    },
  });

/** The commit a branch points at, or undefined when there is no such branch. */
export async function branchSha(
  state: ServerState,
  repo: RepositoryState,
  branch: string,
): Promise<string | undefined> {
  try {
    const { stdout } = await git(state, repo.gitDir, [
      'rev-parse',
      '--verify',
      '--quiet',
      `refs/heads/${branch}^{commit}`,
    ]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A bare repository that accepts pushes, with one commit of `files` (a README when none). */
export async function createBareRepository(
  state: ServerState,
  options: { owner: string; name: string; defaultBranch: string; files: Record<string, string> },
): Promise<string> {
  const { owner, name, defaultBranch, files } = options;
  const gitDir = join(state.root, 'repos', owner, `${name}.git`);
  await mkdir(dirname(gitDir), { recursive: true });
  await git(state, state.root, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, gitDir]);
  await git(state, gitDir, ['config', 'http.receivepack', 'true']);
  const seed = await mkdtemp(join(state.root, 'seed-'));
  await git(state, seed, ['init', '--quiet', `--initial-branch=${defaultBranch}`]);
  const content = Object.keys(files).length > 0 ? files : { 'README.md': `# ${name}\n` };
  for (const [path, text] of Object.entries(content)) {
    await mkdir(dirname(join(seed, path)), { recursive: true });
    await writeFile(join(seed, path), text);
  }
  await git(state, seed, ['add', '--all']);
  await git(state, seed, ['commit', '--quiet', '-m', 'Initial commit']);
  await git(state, seed, ['push', '--quiet', gitDir, `HEAD:refs/heads/${defaultBranch}`]);
  await rm(seed, { recursive: true, force: true });
  return gitDir;
}

export interface CommitRecord {
  sha: string;
  parents: string[];
  name: string;
  email: string;
  /** ISO 8601 with the author's offset, as git prints it. */
  date: string;
  message: string;
}

/** The commits on `head` that are not on `base`, oldest first; none when either branch is missing. */
export async function commitsBetween(
  state: ServerState,
  repo: RepositoryState,
  base: string,
  head: string,
): Promise<CommitRecord[]> {
  const { stdout } = await git(state, repo.gitDir, [
    'log',
    '--reverse',
    '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%B%x1e',
    `refs/heads/${base}..refs/heads/${head}`,
  ]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.includes('\0'))
    .map((record) => {
      const [sha, parents, name, email, date, message] = record.split('\0') as string[];
      return {
        sha: sha!,
        parents: parents!.split(' ').filter(Boolean),
        name: name!,
        email: email!,
        date: date!,
        message: message!,
      };
    });
}

/** A pull request's changed files as GitHub's diff entries, with each file's patch, from git itself. */
export async function changedFiles(state: ServerState, repo: RepositoryState, base: string, head: string) {
  const range = `refs/heads/${base}...refs/heads/${head}`;
  const { stdout } = await git(state, repo.gitDir, ['diff', '--numstat', '--no-renames', range]).catch(
    () => ({
      stdout: '',
    }),
  );
  const entries = stdout.split('\n').filter(Boolean);
  return Promise.all(
    entries.map(async (line) => {
      const [added, removed, filename] = line.split('\t') as [string, string, string];
      const diff = await git(state, repo.gitDir, ['diff', '--no-renames', range, '--', filename]);
      const patch = diff.stdout.slice(Math.max(0, diff.stdout.indexOf('@@')));
      const additions = Number(added) || 0;
      const deletions = Number(removed) || 0;
      const url = `${state.baseUrl}/${repo.owner}/${repo.name}/blob/${head}/${filename}`;
      return {
        sha: '0'.repeat(40),
        filename,
        status: diff.stdout.includes('new file mode') ? 'added' : 'modified',
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: url,
        raw_url: url,
        contents_url: `${state.baseUrl}/repos/${repo.owner}/${repo.name}/contents/${filename}?ref=${head}`,
        patch,
      };
    }),
  );
}

/** The line of a file on a branch, for a review comment's diff hunk; '' when there is none. */
export async function lineAt(
  state: ServerState,
  repo: RepositoryState,
  branch: string,
  path: string,
  line: number,
) {
  const { stdout } = await git(state, repo.gitDir, ['show', `refs/heads/${branch}:${path}`]).catch(() => ({
    stdout: '',
  }));
  return stdout.split('\n')[line - 1] ?? '';
}
