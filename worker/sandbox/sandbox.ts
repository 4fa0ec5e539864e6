// The sandbox: one locked-down Docker container per task, where every command the model asks for runs.
// The agent loop and the verification checks depend only on these interfaces and the image's contract
// below; the Docker provider is docker-sandbox.ts, one running container docker-container.ts.
import { hostname } from 'node:os';
import type { CheckResult } from '../daemon/doctor-check.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was cut at the output limit. */
  truncated: boolean;
  /** True when the command was killed at its timeout (exitCode is then 124). */
  timedOut: boolean;
  durationMs: number;
}

export interface Sandbox {
  readonly id: string;
  /** Runs one shell command with the repository root (/workspace) as working directory. */
  exec(command: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecResult>;
  /** Removes the container. Safe to call more than once. */
  destroy(): Promise<void>;
}

export interface SandboxProvider {
  /**
   * Starts a container with only `workspace` mounted (read-write at /workspace). With `egress` (the setup
   * phase only), the host directory `socketDir`, holding the egress proxy's `egress.sock`, is mounted
   * read-only at /run/codingworker too and a forwarder listens on 127.0.0.1:3128 inside
   * (worker/sandbox/egress-env.ts); the container still has no network.
   */
  start(options: { taskId: string; workspace: string; egress?: { socketDir: string } }): Promise<Sandbox>;
  /**
   * Removes containers whose owner process on this host is gone (any worker id), and this worker's from
   * before owner labels existed. Never a live process's. Returns how many.
   */
  removeOrphans(): Promise<number>;
  /** Doctor lines: engine reachable, image present. */
  check(): Promise<CheckResult[]>;
  /** The sandbox image's identity (the engine's image id): a rebuilt image must not reuse a setup cache. */
  imageId(): Promise<string>;
}

/** The image `codingworker sandbox build` produces; CW_SANDBOX_IMAGE may name one built FROM it. */
export const DEFAULT_SANDBOX_IMAGE = 'codingworker-sandbox:latest';
/** The unprivileged user the image defines ("agent"), used when the workspace belongs to root. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_HOME = '/home/agent';
/** Container labels: which task a container serves, and which worker may remove it as an orphan. */
export const LABEL_TASK = 'codingworker.task';
export const LABEL_WORKER = 'codingworker.worker';
/** The process that started a container and its host: a later run on that host removes it once the process is gone. */
export const LABEL_PID = 'codingworker.pid';
export const LABEL_HOST = 'codingworker.host';

/** The owner labels of a container this process starts. */
export function ownerLabels(): Record<string, string> {
  return { [LABEL_PID]: String(process.pid), [LABEL_HOST]: hostname() };
}
/** A fixed environment: nothing of the worker's (tokens, AWS keys) may reach the sandbox. */
export const SANDBOX_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `HOME=${SANDBOX_HOME}`,
  'LANG=C.UTF-8',
  'TERM=dumb',
];
