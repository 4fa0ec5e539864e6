// Runs a daemon in a child process (test/support/daemon-entry.ts or the real CLI) and follows its JSON log
// lines, so tests can send real signals (SIGTERM, SIGKILL) and wait for what the daemon says.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DAEMON_ENTRY = fileURLToPath(new URL('./daemon-entry.ts', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../worker/cli/cli.ts', import.meta.url));

export type LogLine = Record<string, unknown> & { level: string; message: string };

export interface DaemonProcess {
  child: ChildProcess;
  lines: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (past or future) matching, or rejects after timeoutMs. */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
}

/** Settings for a fast test daemon: short polls and visibility, no health port unless asked. */
export function fastDaemonEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CW_WAIT_TIME_SECONDS: '1',
    CW_VISIBILITY_TIMEOUT: '4',
    CW_HEARTBEAT_INTERVAL: '1',
    CW_RETRY_DELAYS: '0,1,2',
    CW_SHUTDOWN_GRACE: '5',
    CW_HEALTH_PORT: '0',
    CW_WORKER_ID: 'test-worker',
    CW_LOG_LEVEL: 'debug',
    ...overrides,
  };
}

export function spawnDaemon(env: Record<string, string>, args: string[] = [DAEMON_ENTRY]): DaemonProcess {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ level: 'RAW', message: part });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; lines:\n${lines.map((line) => JSON.stringify(line)).join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
        exited.then(() => check());
      });
    },
  };
}

/** The events a test handler recorded (see daemon-test-handler.ts). */
export function recordedEvents(file: string): Array<Record<string, unknown> & { event: string }> {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown> & { event: string });
}
