import { cp, lchown, lstat, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PermanentError, ResourceError, TransientError } from '../core/errors.ts';

import { type ChangedFile, parseChanges } from './changed-paths.ts';
import {
  type ConfigPair,
  diskNearlyFull,
  GitCommandError,
  gitEnvironment,
  hardeningConfig,
  runGitBytes,
} from './git-process.ts';

export { type ChangedFile, displayPath, pathBytes } from './changed-paths.ts';
export {
  type ConfigPair,
  GitCommandError,
  gitEnvironment,
  isLocalRemote,
  runGit,
} from './git-process.ts';

export interface Git {
  /**
   * Shallow clone of one branch. A local path is cloned through file:// so --depth applies. The TaskRepo
   * returned is the only way host git touches the clone again.
   */
  clone(url: string, dir: string, options: { branch: string; depth?: number }): Promise<TaskRepo>;
}

/**
 * One task's clone, and the owner of what host git trusts in it: .git/config as clone and createBranch
 * wrote it. Before every later command the metadata is put back to that, so the pipeline's commit and the
 * forge's push never run what the agent planted. Commands on one clone run one at a time.
 */
export interface TaskRepo {
  /** The work tree (the workspace the agent edits). */
  readonly dir: string;
  createBranch(branch: string): Promise<void>;
  /**
   * Every change in the work tree against the base (the default branch's commit at clone time, or the
   * worker's last commit), whatever the agent did to HEAD, the index or branches.
   */
  changedFiles(): Promise<ChangedFile[]>;
  /**
   * One commit of the work tree on top of the base (or the worker's last commit), made in the worker's own
   * git directory with the configured author and committer; the task branch points at it. Returns its sha.
   */
  commit(message: string): Promise<string>;
  /**
   * Pushes the worker's last commit to refs/heads/<branch> of remote (a URL or a local path). `credentials` replace the clone's
   * config pairs for this push (the forge's fresh token); secret, environment only.
   */
  push(
    remote: string,
    branch: string,
    options?: { force?: boolean; credentials?: ConfigPair[] },
  ): Promise<void>;
}

export interface GitOptions {
  author: { name: string; email: string };
  /** Extra config pairs from Forge.gitConfig(), e.g. an http.<origin>.extraheader. Secret: env only. */
  config?: ConfigPair[];
  /** Allow file:// and local-path remotes (the local forge). Default false. */
  allowFileProtocol?: boolean;
  /** Time limit for one git command. Default 600000 ms. */
  timeoutMs?: number;
}

export function createGit(options: GitOptions): Git {
  return {
    async clone(url, dir, clone) {
      const source = isAbsolute(url) ? pathToFileURL(url).href : url;
      const depth = String(clone.depth ?? 1);
      await hostGit(
        options,
        ['clone', '--quiet', '--no-tags', '--single-branch', '--depth', depth, '--branch', clone.branch],
        { cwd: undefined, args: [source, dir], failure: 'transient', what: `clone ${describeRemote(url)}` },
      );
      const base = (
        await hostGit(options, ['rev-parse', '--verify', 'HEAD^{commit}'], {
          cwd: dir,
          what: 'read the cloned commit',
        })
      )
        .toString('utf8')
        .trim();
      // Copied before the agent runs, while the clone is still only git's: from here on host git works in
      // this copy, never in the workspace's .git (hooks, config, alternates, grafts, replace refs, index).
      const meta = metadataDirOf(dir);
      await cp(join(dir, '.git'), meta, { recursive: true, verbatimSymlinks: true });
      return new HostRepo(dir, options, { meta, base, trusted: await readConfig(dir) });
    },
  };
}

/** Files under .git that make host git run or read something the agent chose; removed before host git runs. */
const PLANTED = [
  'hooks',
  'info/attributes',
  'info/grafts',
  'commondir',
  'config.worktree',
  'objects/info/alternates',
];

class HostRepo implements TaskRepo {
  readonly dir: string;
  readonly #options: GitOptions;
  /** The worker's own git directory, outside the workspace: the agent can neither read nor change it. */
  readonly #meta: string;
  /** The default branch's commit at clone time: every check and the pushed branch start from it. */
  readonly #base: string;
  /** The worker's last commit on top of the base (revisions chain on it); what push sends. */
  #tip: string | undefined;
  #branch: string | undefined;
  /** The workspace's .git/config as this worker wrote it. */
  #trusted: string;
  /** The last command queued: #secure rewrites .git/config, which two commands at once would race on. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, options: GitOptions, clone: { meta: string; base: string; trusted: string }) {
    this.dir = dir;
    this.#options = options;
    this.#meta = clone.meta;
    this.#base = clone.base;
    this.#trusted = clone.trusted;
  }

  createBranch(branch: string): Promise<void> {
    return this.#serial(async () => {
      this.#branch = branch;
      await this.#git(['checkout', '--quiet', '-B', branch], { what: `create branch ${branch}` });
      // The agent's copy gets the branch too, so what it sees with git matches what the worker will push.
      await this.#secure();
      await this.#git(['checkout', '--quiet', '-B', branch], {
        what: `create branch ${branch}`,
        in: 'workspace',
      });
      this.#trusted = await readConfig(this.dir);
    });
  }

  changedFiles(): Promise<ChangedFile[]> {
    return this.#serial(async () => {
      await this.#inspect();
      await handBack(this.dir);
      const since = this.#tip ?? this.#base;
      await this.#git(['add', '--all'], { what: 'stage changes' });
      const diff = (format: string) => ['diff', '--cached', format, '--no-renames', '-z', since];
      const names = await this.#gitBytes(diff('--name-status'), { what: 'list changes' });
      const counts = await this.#gitBytes(diff('--numstat'), { what: 'count changed lines' });
      return parseChanges(names, counts);
    });
  }

  commit(message: string): Promise<string> {
    return this.#serial(async () => {
      await this.#inspect();
      await handBack(this.dir);
      await this.#git(['add', '--all'], { what: 'stage changes' });
      const tree = (await this.#git(['write-tree'], { what: 'write the tree' })).trim();
      // One commit made here, on the worker's own parent: whatever the agent did to HEAD, branches or the
      // index, nothing of it is an ancestor. The message goes through stdin: it holds untrusted text.
      const parent = this.#tip ?? this.#base;
      const sha = (
        await this.#git(['commit-tree', tree, '-p', parent, '-F', '-'], { input: message, what: 'commit' })
      ).trim();
      if (this.#branch) {
        await this.#git(['update-ref', `refs/heads/${this.#branch}`, sha], { what: 'move the task branch' });
      }
      this.#tip = sha;
      return sha;
    });
  }

  push(remote: string, branch: string, options: { force?: boolean; credentials?: ConfigPair[] } = {}) {
    return this.#serial(async () => {
      if (!this.#tip)
        throw new PermanentError(`nothing was committed: there is no change to push to ${branch}`);
      const target = isAbsolute(remote) ? pathToFileURL(remote).href : remote;
      const refspec = `${options.force ? '+' : ''}${this.#tip}:refs/heads/${branch}`;
      await this.#git(['push', '--quiet', '--no-verify', '--porcelain'], {
        args: [target, refspec],
        failure: 'transient',
        what: `push ${branch} to ${describeRemote(remote)}`,
        config: options.credentials,
      });
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** host git on the worker's own git directory (default) or, once secured, on the agent's copy. */
  #git(command: string[], run: RepoRun) {
    return this.#gitBytes(command, run).then((out) => out.toString('utf8'));
  }

  #gitBytes(command: string[], run: RepoRun) {
    const options = run.config ? { ...this.#options, config: run.config } : this.#options;
    const gitDir = run.in === 'workspace' ? join(this.dir, '.git') : this.#meta;
    return hostGit(options, command, { ...run, cwd: this.dir, gitDir });
  }

  /**
   * The agent's .git must still be this clone: secured, and its history must still hold the base. The
   * worker never builds on it (it has its own git directory), but a replaced or rewritten history means the
   * agent worked around the repository, and such a change is refused rather than published.
   */
  async #inspect(): Promise<void> {
    await this.#secure();
    const base = this.#base;
    const refused = () =>
      new PermanentError(
        `the workspace's git history no longer contains ${base.slice(0, 12)}, the default branch's commit it was cloned at: the agent replaced or rewrote .git, so the change is refused and nothing is pushed`,
      );
    const inWorkspace = { what: 'check the workspace history', in: 'workspace' as const };
    await this.#git(['cat-file', '-e', `${base}^{commit}`], inWorkspace).catch(() => {
      throw refused();
    });
    await this.#git(['merge-base', '--is-ancestor', base, 'HEAD'], inWorkspace).catch(() => {
      throw refused();
    });
  }

  /** Puts the agent's repository metadata back to what this worker wrote, before host git reads it again. */
  async #secure(): Promise<void> {
    const gitDir = join(this.dir, '.git');
    const info = await lstat(gitDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new PermanentError(
        `${gitDir} is no longer a directory: the agent replaced the repository metadata, so the change cannot be committed safely`,
      );
    }
    // Host git writes under .git: a symlink planted there would make it write into a host directory of the
    // agent's choosing. A fresh clone has none.
    const entries = await readdir(gitDir, { recursive: true, withFileTypes: true });
    const link = entries.find((entry) => entry.isSymbolicLink());
    if (link) {
      const path = join(link.parentPath, link.name);
      throw new PermanentError(
        `${path} is a symbolic link the agent planted in the repository metadata: the change cannot be committed safely`,
      );
    }
    // unlink first: a symlink planted at .git/config must be replaced, never followed.
    await unlink(join(gitDir, 'config')).catch(() => undefined);
    await writeFile(join(gitDir, 'config'), this.#trusted, { flag: 'wx' });
    for (const path of PLANTED) await rm(join(gitDir, path), { recursive: true, force: true });
  }
}

type RepoRun = Omit<HostGitRun, 'cwd' | 'gitDir'> & {
  config?: ConfigPair[] | undefined;
  /** Whose git directory: the worker's own (default) or the agent's .git in the workspace. */
  in?: 'workspace';
};

/** The worker's own git directory for a workspace: a sibling, so it is outside what the sandbox mounts. */
export function metadataDirOf(workspace: string): string {
  return `${workspace}.git`;
}

function readConfig(dir: string): Promise<string> {
  return readFile(join(dir, '.git', 'config'), 'utf8');
}

interface HostGitRun {
  cwd: string | undefined;
  /** The git directory; default <cwd>/.git. */
  gitDir?: string;
  args?: string[];
  input?: string;
  what: string;
  failure?: 'transient' | 'permanent';
}

/** One git child with the hardened environment; failures typed (disk full -> resource). */
function hostGit(options: GitOptions, command: string[], run: HostGitRun): Promise<Buffer> {
  const config: ConfigPair[] = [
    ...hardeningConfig(options.allowFileProtocol ?? false),
    // The sandbox may have written the workspace as another uid; it is ours to commit. (A local remote
    // must be owned by the worker's user: git clears this variable for the upload-pack it spawns.)
    ...(run.cwd ? ([['safe.directory', run.cwd]] as ConfigPair[]) : []),
    ...(options.config ?? []),
  ];
  const env = gitEnvironment(config, options.author);
  if (run.cwd) {
    // Explicit: a `.git` file or GIT_DIR-like trick in the work tree cannot redirect host git elsewhere.
    env.GIT_DIR = run.gitDir ?? join(run.cwd, '.git');
    env.GIT_WORK_TREE = run.cwd;
  }
  return runGitBytes([...command, ...(run.args?.length ? ['--', ...run.args] : [])], {
    cwd: run.cwd,
    env,
    input: run.input,
    timeoutMs: options.timeoutMs ?? 600_000,
  }).catch(async (error: unknown) => {
    const detail = error instanceof GitCommandError ? error.stderr.trim().slice(-800) : String(error);
    const message = `git ${run.what} failed: ${detail}`;
    if (run.cwd && (await diskNearlyFull(run.cwd))) {
      throw new ResourceError(
        `${message} (the disk holding ${run.cwd} is full: free space under CW_WORK_DIR)`,
        {
          cause: error,
        },
      );
    }
    throw run.failure === 'transient'
      ? new TransientError(message, { cause: error })
      : new PermanentError(message, { cause: error });
  });
}

/**
 * A worker running as root writes index and objects as root; while the sandbox user owns the workspace
 * (the agent may still work after a failed verification) its own git could then no longer write there.
 * So whatever host git wrote under .git goes back to the workspace's owner. lchown: links are refused
 * before this point anyway, and never followed.
 */
async function handBack(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(dir);
  if (owner.uid === 0) return;
  const gitDir = join(dir, '.git');
  const entries = await readdir(gitDir, { recursive: true, withFileTypes: true });
  for (const path of [gitDir, ...entries.map((entry) => join(entry.parentPath, entry.name))]) {
    const info = await lstat(path);
    if (info.uid !== owner.uid || info.gid !== owner.gid) await lchown(path, owner.uid, owner.gid);
  }
}

/** A remote for messages: a URL without any user info. */
function describeRemote(remote: string): string {
  try {
    const url = new URL(remote);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return remote;
  }
}
