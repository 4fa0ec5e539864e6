// One started sandbox container: commands run in it one at a time, then it is removed.
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { ResourceError, TransientError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import { classifyDockerError } from './docker-errors.ts';
import { CappedOutput } from './output-cap.ts';
import type { ExecResult, Sandbox } from './sandbox.ts';
import type { LentWorkspace } from './workspace-lending.ts';

/** Seconds between `timeout`'s SIGTERM and its SIGKILL to the command's process group. */
const KILL_AFTER_SECONDS = 2;
/** Extra time the host waits past the in-container timeout before killing every sandbox process itself. */
const HOST_GRACE_MS = 3_000;
/**
 * Wraps each command. `timeout` makes itself a process-group leader and signals the whole group, so the
 * command's children die with it. Afterwards every other process of the sandbox user is killed (PID 1
 * excepted), repeatedly until none is left: nothing a command starts outlives it, so a fork bomb, a
 * daemon or a `setsid` escapee cannot hold the PID limit or the output stream for the next command.
 * The wrapper's own stderr is discarded (bash's "Killed" job notices); the command's goes to the caller.
 */
const RUN_COMMAND = `exec 3>&2 2>/dev/null
timeout --kill-after=${KILL_AFTER_SECONDS}s "$1" bash -lc "$2" 2>&3 3>&-; status=$?
for _ in 1 2 3 4 5 6 7 8; do kill -9 -1 2>/dev/null || break; done
exit $status`;

type SandboxSettings = Settings['sandbox'];

export class DockerSandbox implements Sandbox {
  readonly id: string;
  private readonly docker: Docker;
  private readonly container: Docker.Container;
  private readonly settings: SandboxSettings;
  private readonly logger: Logger;
  private readonly lent: LentWorkspace;
  private readonly leftBehind: (id: string) => void;
  private destroyed: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private oomKills = 0;

  constructor(
    docker: Docker,
    container: Docker.Container,
    settings: SandboxSettings,
    logger: Logger,
    lent: LentWorkspace,
    leftBehind: (id: string) => void,
  ) {
    this.id = container.id;
    this.docker = docker;
    this.container = container;
    this.settings = settings;
    this.logger = logger;
    this.lent = lent;
    this.leftBehind = leftBehind;
  }

  /** Commands run one at a time: each one ends by killing every process but PID 1 (see RUN_COMMAND). */
  exec(command: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const result = this.queue.then(() => this.execNow(command, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async execNow(
    command: string,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutSeconds * 1000;
    const started = performance.now();
    const stdout = new CappedOutput(this.settings.outputLimitBytes);
    const stderr = new CappedOutput(this.settings.outputLimitBytes);
    const { exec, stream } = await this.startCommand(command, timeoutMs);
    this.docker.modem.demuxStream(stream, stdout, stderr);

    const ending = await this.commandEnd(stream, timeoutMs, signal);
    // A hijacked stream is half-open after 'end': close our side, or the socket keeps the process alive.
    destroyStream(stream);
    if (ending === 'aborted') {
      // Awaited, so the next command (a clean-up, a summary) never shares the sandbox with this one.
      await this.killAll();
      throw signal?.reason ?? new DOMException('The command was aborted', 'AbortError');
    }

    const durationMs = Math.round(performance.now() - started);
    let exitCode = -1;
    if (ending === 'ended') {
      try {
        exitCode = (await exec.inspect()).ExitCode ?? -1;
      } catch (error) {
        throw await this.failure(error);
      }
    }
    // coreutils timeout exits 124 (TERM worked) or 137 (KILL was needed); a command can exit 124 itself,
    // so only trust it when the time was actually used up.
    const timedOut =
      ending === 'host-timeout' || ((exitCode === 124 || exitCode === 137) && durationMs >= timeoutMs);
    let stderrText = stderr.text();
    if (timedOut) {
      exitCode = 124;
      stderrText += `\n[CodingWorker: the command was killed after its ${timeoutMs / 1000} s timeout]`;
    } else if (exitCode === 137 && (await this.outOfMemory())) {
      stderrText += `\n[CodingWorker: the command was killed for using more than the sandbox's ${this.settings.memoryMb} MB of memory]`;
    }
    return {
      exitCode,
      stdout: stdout.text(),
      stderr: stderrText,
      truncated: stdout.truncated || stderr.truncated,
      timedOut,
      durationMs,
    };
  }

  private async startCommand(
    command: string,
    timeoutMs: number,
  ): Promise<{ exec: Docker.Exec; stream: NodeJS.ReadWriteStream }> {
    try {
      const exec = await this.container.exec({
        Cmd: ['bash', '-c', RUN_COMMAND, 'codingworker', `${timeoutMs / 1000}s`, command],
        AttachStdout: true,
        AttachStderr: true,
        WorkingDir: '/workspace',
      });
      return { exec, stream: await exec.start({ hijack: true, stdin: false }) };
    } catch (error) {
      throw await this.failure(error);
    }
  }

  /** Waits until the command's output ends, the caller aborts, or the host-side backstop fires. */
  private commandEnd(
    stream: NodeJS.ReadWriteStream,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<'ended' | 'aborted' | 'host-timeout'> {
    return new Promise((resolve) => {
      let ending: 'ended' | 'aborted' | 'host-timeout' = 'ended';
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(ending);
      };
      // Backstop for commands that escape the process group (setsid, daemons): kill every sandbox process.
      const timer = setTimeout(
        () => {
          ending = 'host-timeout';
          void this.killAll().finally(() => setTimeout(() => destroyStream(stream), 1_000).unref());
        },
        timeoutMs + KILL_AFTER_SECONDS * 1000 + HOST_GRACE_MS,
      );
      const onAbort = () => {
        ending = 'aborted';
        finish();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
  }

  destroy(): Promise<void> {
    this.destroyed ??= this.removeAndGiveBack();
    return this.destroyed;
  }

  private async removeAndGiveBack(): Promise<void> {
    try {
      await this.container.remove({ force: true, v: true });
      this.logger.debug({ container: this.id }, 'Sandbox removed');
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
      // The engine is gone: the provider removes it when the engine answers again (and removeOrphans at
      // the next start, should the worker stop first).
      this.leftBehind(this.id);
      this.logger.warn(
        { container: this.id, err: error },
        'Could not remove the sandbox container; it is removed once the Docker engine answers again',
      );
    } finally {
      await this.lent.giveBack();
    }
  }

  /** Kills every process of the sandbox user except PID 1 (the keep-alive loop). */
  private async killAll(): Promise<void> {
    try {
      const exec = await this.container.exec({ Cmd: ['bash', '-c', 'kill -9 -1'], AttachStdout: true });
      await drain(await exec.start({ hijack: true, stdin: false }));
    } catch (error) {
      this.logger.warn({ container: this.id, err: error }, 'Could not kill the sandbox processes');
    }
  }

  /** Whether the kernel's OOM killer struck in this container since the last look (cgroup v1 or v2). */
  private async outOfMemory(): Promise<boolean> {
    try {
      const exec = await this.container.exec({
        Cmd: [
          'bash',
          '-c',
          'cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null',
        ],
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = new CappedOutput(4_096);
      this.docker.modem.demuxStream(stream, out, new CappedOutput(1_024));
      await drain(stream);
      const match = /^oom_kill (\d+)$/m.exec(out.text());
      // The counter is cumulative: only a kill since the last look belongs to this command.
      const kills = match ? Number(match[1]) : 0;
      const fresh = kills > this.oomKills;
      this.oomKills = kills;
      return fresh;
    } catch {
      return false;
    }
  }

  private async failure(error: unknown): Promise<Error> {
    try {
      const state = (await this.container.inspect()).State;
      if (state.OOMKilled) {
        return new ResourceError(
          `the sandbox ran out of memory (${this.settings.memoryMb} MB): raise CW_SANDBOX_MEMORY_MB`,
          { cause: error },
        );
      }
      if (!state.Running)
        return new TransientError(`the sandbox container stopped (${state.Status})`, { cause: error });
    } catch {
      // The engine itself is unreachable: classified below.
    }
    return classifyDockerError(error);
  }
}

/** Reads a stream to its end (or error) and closes it. */
async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
    stream.resume();
  });
  destroyStream(stream);
}

function destroyStream(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy(): void }).destroy();
}
