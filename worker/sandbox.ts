// The sandbox: one locked-down Docker container per task, where every command the model asks for runs.
// Interface first (the agent loop depends only on this); the Docker implementation follows.
import type { CheckResult } from './doctor-check.ts';

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
  /** Starts a container with only `workspace` mounted (read-write at /workspace). */
  start(options: { taskId: string; workspace: string }): Promise<Sandbox>;
  /** Removes containers a crashed worker left behind (found by label). Returns how many. */
  removeOrphans(): Promise<number>;
  /** Doctor lines: engine reachable, image present. */
  check(): Promise<CheckResult[]>;
}
