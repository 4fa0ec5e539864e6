// How the worker runs git: a child process with exactly the environment given (nothing of the worker's
// own inherited but PATH), the hardening config that makes a repository's own settings harmless, and the
// error a failed command becomes.
import { spawn } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

export type ConfigPair = [key: string, value: string];

/** A remote git reaches through the file protocol: a path, or a file: URL (the local forge, tests). */
export const isLocalRemote = (remote: string): boolean => isAbsolute(remote) || remote.startsWith('file:');

/** Config that makes the repository's own settings harmless on the host (command scope beats repo scope). */
export function hardeningConfig(allowFileProtocol: boolean): ConfigPair[] {
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
    // refs/replace/ and grafts would let a repository show other objects than those named.
    GIT_NO_REPLACE_OBJECTS: '1',
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
export async function diskNearlyFull(path: string): Promise<boolean> {
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

export type RunGitOptions = { cwd?: string; env: Record<string, string>; input?: string; timeoutMs?: number };

/** Runs git with exactly the given environment; resolves with stdout, rejects with GitCommandError. */
export function runGit(args: string[], options: RunGitOptions): Promise<string> {
  return runGitBytes(args, options).then((out) => out.toString('utf8'));
}

/** runGit's raw stdout: paths in it are bytes, not necessarily UTF-8. */
export function runGitBytes(args: string[], options: RunGitOptions): Promise<Buffer> {
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
      if (code === 0) resolve(Buffer.concat(stdout));
      else reject(new GitCommandError(`git ${args[0]} exited ${code ?? signal}`, code, err));
    });
    if (child.stdin) {
      // git may exit before reading its input (a failure); the exit code tells what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}
