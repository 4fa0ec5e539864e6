// git on the host: clone, branch, commit, push. The workspace is written by the agent's sandbox, so
// everything in it — including .git/config, hooks and attributes — is untrusted. Every git child runs with
// a hardened environment: no system/global config, hooks disabled, no fsmonitor, no prompts, and the
// forge's credentials (Forge.gitConfig) passed ONLY through GIT_CONFIG_COUNT in the child's environment —
// never in argv, a URL or .git/config. clone returns a TaskRepo that owns the clone's trusted config: before
// host git reads the workspace again it is restored, so filters, textconv, includes or url rewrites the agent
// planted never run, whether the pipeline commits or the forge pushes.
import { spawn } from 'node:child_process';
import { lchown, lstat, readdir, readFile, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PermanentError, ResourceError, TransientError } from '../core/errors.ts';

export type ConfigPair = [key: string, value: string];

export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'type-changed';
  /** Lines added and removed; undefined for binary files. */
  added?: number;
  removed?: number;
  /** For a symbolic link: its target as written (the pipeline fills it in, link-check.ts). */
  linkTarget?: string;
}

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
  /** Stages every change in the work tree and lists it against HEAD. */
  changedFiles(): Promise<ChangedFile[]>;
  /** Stages everything and commits with the configured author and committer. Returns the commit sha. */
  commit(message: string): Promise<string>;
  /**
   * Pushes HEAD to refs/heads/<branch> of remote (a URL or a local path). `credentials` replace the clone's
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
      return new HostRepo(dir, options, await readConfig(dir));
    },
  };
}

/** Files under .git that make host git run or read something the agent chose; removed before host git runs. */
const PLANTED = ['hooks', 'info/attributes', 'commondir', 'config.worktree', 'objects/info/alternates'];

class HostRepo implements TaskRepo {
  readonly dir: string;
  readonly #options: GitOptions;
  /** .git/config as this worker wrote it. */
  #trusted: string;
  /** The last command queued: #secure rewrites .git/config, which two commands at once would race on. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, options: GitOptions, trusted: string) {
    this.dir = dir;
    this.#options = options;
    this.#trusted = trusted;
  }

  createBranch(branch: string): Promise<void> {
    return this.#serial(async () => {
      await this.#secure();
      await this.#git(['checkout', '--quiet', '-B', branch], { what: `create branch ${branch}` });
      this.#trusted = await readConfig(this.dir);
    });
  }

  changedFiles(): Promise<ChangedFile[]> {
    return this.#serial(async () => {
      await this.#secure();
      await this.#git(['add', '--all'], { what: 'stage changes' });
      const diff = (format: string) => ['diff', '--cached', format, '--no-renames', '-z', 'HEAD'];
      const names = await this.#git(diff('--name-status'), { what: 'list changes' });
      const counts = await this.#git(diff('--numstat'), { what: 'count changed lines' });
      await handBack(this.dir);
      return parseChanges(names, counts);
    });
  }

  commit(message: string): Promise<string> {
    return this.#serial(async () => {
      await this.#secure();
      await this.#git(['add', '--all'], { what: 'stage changes' });
      // The message goes through stdin: it holds untrusted text and must not be parsed as options.
      await this.#git(['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '--file=-'], {
        input: message,
        what: 'commit',
      });
      return (await this.#git(['rev-parse', 'HEAD'], { what: 'read the commit' })).trim();
    });
  }

  push(remote: string, branch: string, options: { force?: boolean; credentials?: ConfigPair[] } = {}) {
    return this.#serial(async () => {
      await this.#secure();
      const target = isAbsolute(remote) ? pathToFileURL(remote).href : remote;
      const refspec = `${options.force ? '+' : ''}HEAD:refs/heads/${branch}`;
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

  #git(command: string[], run: Omit<HostGitRun, 'cwd'> & { config?: ConfigPair[] | undefined }) {
    const options = run.config ? { ...this.#options, config: run.config } : this.#options;
    return hostGit(options, command, { ...run, cwd: this.dir });
  }

  /** Puts the repository metadata back to what this worker wrote, before host git reads it again. */
  async #secure(): Promise<void> {
    const gitDir = join(this.dir, '.git');
    const info = await lstat(gitDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new PermanentError(
        `${gitDir} is no longer a directory: the agent replaced the repository metadata, so the change cannot be committed safely`,
      );
    }
    // Host git writes objects, refs and the index under .git: a symlink planted there would make it write
    // into a host directory of the agent's choosing. A fresh clone has none.
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

function readConfig(dir: string): Promise<string> {
  return readFile(join(dir, '.git', 'config'), 'utf8');
}

interface HostGitRun {
  cwd: string | undefined;
  args?: string[];
  input?: string;
  what: string;
  failure?: 'transient' | 'permanent';
}

/** One git child with the hardened environment; failures typed (disk full -> resource). */
function hostGit(options: GitOptions, command: string[], run: HostGitRun): Promise<string> {
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
    env.GIT_DIR = join(run.cwd, '.git');
    env.GIT_WORK_TREE = run.cwd;
  }
  return runGit([...command, ...(run.args?.length ? ['--', ...run.args] : [])], {
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

/** Config that makes the repository's own settings harmless on the host (command scope beats repo scope). */
function hardeningConfig(allowFileProtocol: boolean): ConfigPair[] {
  return [
    ['core.hooksPath', '/dev/null'],
    ['core.fsmonitor', 'false'],
    ['core.askPass', ''],
    ['credential.helper', ''],
    ['protocol.ext.allow', 'never'],
    ['protocol.file.allow', allowFileProtocol ? 'always' : 'never'],
    ['commit.gpgSign', 'false'],
    ['core.autocrlf', 'false'],
    ['core.quotePath', 'false'],
    ['advice.detachedHead', 'false'],
  ];
}

/**
 * The whole environment of a git child: nothing inherited but PATH, so no GIT_* variable, proxy or secret of
 * the worker leaks in; config pairs only as GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n.
 */
export function gitEnvironment(config: ConfigPair[], author?: { name: string; email: string }) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: EMPTY_HOME,
    XDG_CONFIG_HOME: EMPTY_HOME,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  if (author) {
    env.GIT_AUTHOR_NAME = author.name;
    env.GIT_AUTHOR_EMAIL = author.email;
    env.GIT_COMMITTER_NAME = author.name;
    env.GIT_COMMITTER_EMAIL = author.email;
  }
  return env;
}

/** Below this much free space a failed git command is put down to the disk (a resource failure). */
const LOW_DISK_BYTES = 4 * 1024 * 1024;

/** Asked after a failure, from the filesystem itself, so no error text has to be matched. */
async function diskNearlyFull(path: string): Promise<boolean> {
  const stats = await statfs(path).catch(() => undefined);
  return stats !== undefined && stats.bavail * stats.bsize < LOW_DISK_BYTES;
}

/** A HOME that does not exist: git finds no ~/.gitconfig, credentials or ssh keys of the operator. */
const EMPTY_HOME = '/nonexistent/codingworker-git-home';

export class GitCommandError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(message: string, exitCode: number | null, stderr: string) {
    super(message);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs git with exactly the given environment; resolves with stdout, rejects with GitCommandError. */
export function runGit(
  args: string[],
  options: { cwd?: string; env: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const err = Buffer.concat(stderr).toString('utf8');
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new GitCommandError(`git ${args[0]} exited ${code ?? signal}`, code, err));
    });
    if (child.stdin) {
      // git may exit before reading its input (a failure); the exit code tells what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** git's -z name-status and numstat outputs, joined per path. */
function parseChanges(nameStatus: string, numstat: string): ChangedFile[] {
  const counts = new Map<string, { added?: number; removed?: number }>();
  const numParts = numstat.split('\0');
  for (const record of numParts) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(record);
    if (!match) continue;
    counts.set(match[3]!, {
      added: match[1] === '-' ? undefined : Number(match[1]),
      removed: match[2] === '-' ? undefined : Number(match[2]),
    });
  }
  const parts = nameStatus.split('\0');
  const files: ChangedFile[] = [];
  for (let index = 0; index + 1 < parts.length; index += 2) {
    const code = parts[index]!;
    const path = parts[index + 1]!;
    const status =
      code === 'A' ? 'added' : code === 'D' ? 'deleted' : code === 'T' ? 'type-changed' : 'modified';
    files.push({ path, status, ...counts.get(path) });
  }
  return files;
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
