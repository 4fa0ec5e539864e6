// A hand-built Sandbox for unit tests: each command is answered by a handler, with the same contract as
// the Docker sandbox (capped output, exit code 124 and timedOut at the time limit, abort honoured).
import { CappedOutput } from '../../worker/sandbox/output-cap.ts';
import type { ExecResult, Sandbox, SandboxProvider } from '../../worker/sandbox/sandbox.ts';

export type CommandHandler = (
  command: string,
  options: { timeoutMs: number; signal?: AbortSignal },
) => Partial<ExecResult> | Promise<Partial<ExecResult>> | 'hang';

export interface FakeSandboxProvider extends SandboxProvider {
  /** Each start's options, egress included (the setup phase's). */
  started: Array<Parameters<SandboxProvider['start']>[0]>;
  commands: string[];
  /** Each command with the time limit it ran under. */
  executions: Array<{ command: string; timeoutMs: number }>;
  destroyed: number;
}

/** `echo X` prints X; anything else prints nothing and exits 0, unless the handler answers. */
export function createFakeSandboxProvider(
  handler: CommandHandler = () => ({}),
  options: { outputLimitBytes?: number; commandTimeoutMs?: number } = {},
): FakeSandboxProvider {
  const limit = options.outputLimitBytes ?? 65_536;
  const provider: FakeSandboxProvider = {
    started: [],
    commands: [],
    executions: [],
    destroyed: 0,
    async start(start) {
      provider.started.push(start);
      let destroyed = false;
      const sandbox: Sandbox = {
        id: `fake-${provider.started.length}`,
        async exec(command, execOptions = {}) {
          if (destroyed) throw new Error('exec on a destroyed sandbox');
          execOptions.signal?.throwIfAborted();
          const timeoutMs = execOptions.timeoutMs ?? options.commandTimeoutMs ?? 300_000;
          provider.commands.push(command);
          provider.executions.push({ command, timeoutMs });
          const started = performance.now();
          const answer = await handler(command, { timeoutMs, signal: execOptions.signal });
          if (answer === 'hang') {
            // Like the Docker sandbox: killed at the timeout, or at once on abort.
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(resolve, timeoutMs);
              execOptions.signal?.addEventListener(
                'abort',
                () => {
                  clearTimeout(timer);
                  reject(execOptions.signal?.reason);
                },
                { once: true },
              );
            });
            return {
              exitCode: 124,
              stdout: '',
              stderr: `\n[CodingWorker: the command was killed after its ${timeoutMs / 1000} s timeout]`,
              truncated: false,
              timedOut: true,
              durationMs: Math.round(performance.now() - started),
            };
          }
          const echo = /^echo (.*)$/.exec(command.trim());
          const stdout = new CappedOutput(limit);
          stdout.write(answer.stdout ?? (echo ? `${echo[1]}\n` : ''));
          const stderr = new CappedOutput(limit);
          stderr.write(answer.stderr ?? '');
          return {
            exitCode: answer.exitCode ?? 0,
            stdout: stdout.text(),
            stderr: stderr.text(),
            truncated: stdout.truncated || stderr.truncated,
            timedOut: answer.timedOut ?? false,
            durationMs: Math.round(performance.now() - started),
          };
        },
        async destroy() {
          if (!destroyed) provider.destroyed += 1;
          destroyed = true;
        },
      };
      return sandbox;
    },
    async removeOrphans() {
      return 0;
    },
    async imageId() {
      return 'sha256:fake-sandbox-image';
    },
    async check() {
      return [{ name: 'Sandbox', ok: true, detail: 'fake' }];
    },
  };
  return provider;
}
