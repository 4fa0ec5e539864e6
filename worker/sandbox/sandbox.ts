// The sandbox: one locked-down Docker container per task, where every command the model asks for runs.
// Interface first (the agent loop depends only on this); the Docker implementation follows.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { ResourceError, TransientError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
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
  /** Starts a container with only `workspace` mounted (read-write at /workspace). */
  start(options: { taskId: string; workspace: string }): Promise<Sandbox>;
  /** Removes containers a crashed worker left behind (found by label). Returns how many. */
  removeOrphans(): Promise<number>;
  /** Doctor lines: engine reachable, image present. */
  check(): Promise<CheckResult[]>;
}

// ---------------------------------------------------------------------------------------------------
// The Docker implementation (dockerode). docs/sandbox.md explains each choice.

/** The image `codingworker sandbox build` produces; CW_SANDBOX_IMAGE may name one built FROM it. */
export const DEFAULT_SANDBOX_IMAGE = 'codingworker-sandbox:latest';
/** The unprivileged user the image defines ("agent"), used when the workspace belongs to root. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_HOME = '/home/agent';
export const LABEL_TASK = 'codingworker.task';
export const LABEL_WORKER = 'codingworker.worker';
/** A fixed environment: nothing of the worker's (tokens, AWS keys) may reach the sandbox. */
export const SANDBOX_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `HOME=${SANDBOX_HOME}`,
  'LANG=C.UTF-8',
  'TERM=dumb',
];
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
/**
 * PID 1 keeps the container alive and reaps the orphans a killed command leaves (zombies would use up
 * the PID limit). perl is in every Debian image (perl-base is essential); with SIGCHLD ignored the kernel
 * reaps PID 1's children itself. bash cannot do this: it neither reaps adopted children while idle nor
 * lets a script ignore SIGCHLD. PID 1 is also the one process `kill -9 -1` spares.
 */
const KEEP_ALIVE = ['perl', '-e', '$SIG{CHLD} = "IGNORE"; $SIG{TERM} = sub { exit 0 }; sleep while 1'];

type SandboxSettings = Settings['sandbox'];

export function createDockerSandboxProvider(
  settings: SandboxSettings,
  logger: Logger,
  docker: Docker = new Docker(),
  workerId: string = hostname(),
): SandboxProvider {
  return new DockerSandboxProvider(settings, logger, docker, workerId);
}

class DockerSandboxProvider implements SandboxProvider {
  private readonly settings: SandboxSettings;
  private readonly logger: Logger;
  private readonly docker: Docker;
  private readonly workerId: string;
  /** Containers whose removal failed (the engine was gone): removed as soon as the engine answers again. */
  private readonly leftBehind = new Set<string>();

  constructor(settings: SandboxSettings, logger: Logger, docker: Docker, workerId: string) {
    this.settings = settings;
    this.logger = logger;
    this.docker = docker;
    this.workerId = workerId;
  }

  /** By id, not by label: with several tasks at once, the other sandboxes of this worker are alive. */
  private async removeLeftBehind(): Promise<void> {
    for (const id of this.leftBehind) {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) continue;
      }
      this.leftBehind.delete(id);
      this.logger.info(
        { container: id },
        'Removed a sandbox container left behind while the engine was away',
      );
    }
  }

  async start(options: { taskId: string; workspace: string }): Promise<Sandbox> {
    const { taskId, workspace } = options;
    await this.removeLeftBehind();
    const lent = await lendWorkspace(workspace);
    const { uid, gid } = lent;
    const megabytes = this.settings.memoryMb * 1024 * 1024;
    let container: Docker.Container | undefined;
    try {
      container = await this.docker.createContainer({
        name: `codingworker-${slug(taskId)}-${Math.random().toString(36).slice(2, 8)}`,
        Image: this.settings.image,
        Cmd: KEEP_ALIVE,
        User: `${uid}:${gid}`,
        WorkingDir: '/workspace',
        Env: SANDBOX_ENV,
        Labels: { [LABEL_TASK]: taskId, [LABEL_WORKER]: this.workerId },
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: 'none',
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Tmpfs: {
            '/tmp': 'rw,noexec,nosuid,nodev,size=512m',
            // Docker's tmpfs default is noexec; the home allows exec: pip --user and friends put tools in ~/.local.
            [SANDBOX_HOME]: `rw,exec,nosuid,nodev,size=256m,uid=${uid},gid=${gid}`,
          },
          Binds: [`${workspace}:/workspace:rw`],
          PidsLimit: this.settings.pids,
          Memory: megabytes,
          MemorySwap: megabytes,
          NanoCpus: Math.round(this.settings.cpus * 1e9),
          // Under host memory pressure the sandbox goes before Ollama or the worker.
          OomScoreAdj: 500,
          IpcMode: 'private',
          LogConfig: { Type: 'none', Config: {} },
        },
      });
      await container.start();
    } catch (error) {
      if (container) await container.remove({ force: true }).catch(() => undefined);
      await lent.giveBack().catch(() => undefined);
      throw classifyDockerError(error, this.settings.image);
    }
    this.logger.debug({ container: container.id, taskId, uid }, 'Sandbox started');
    return new DockerSandbox(this.docker, container, this.settings, this.logger, lent, (id) =>
      this.leftBehind.add(id),
    );
  }

  async removeOrphans(): Promise<number> {
    let found: Docker.ContainerInfo[];
    try {
      found = await this.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_WORKER}=${this.workerId}`] },
      });
    } catch (error) {
      throw classifyDockerError(error, this.settings.image);
    }
    for (const info of found) {
      await this.docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        });
      this.logger.warn(
        { container: info.Id, taskId: info.Labels[LABEL_TASK] },
        'Removed a sandbox left by an earlier run',
      );
    }
    return found.length;
  }

  async check(): Promise<CheckResult[]> {
    const engine: CheckResult = { name: 'Docker engine', ok: false, detail: '' };
    try {
      const version = await this.docker.version();
      engine.ok = true;
      engine.detail = `Docker ${version.Version} (API ${version.ApiVersion}, ${version.Os}/${version.Arch})`;
    } catch (error) {
      engine.detail = `not reachable: ${(error as Error).message}`;
      engine.fix = 'start Docker (macOS: Docker Desktop; Linux: sudo systemctl start docker or dockerd)';
      return [
        engine,
        { name: 'Sandbox image', ok: false, detail: 'not checked: the Docker engine is not reachable' },
      ];
    }
    const image: CheckResult = { name: 'Sandbox image', ok: false, detail: '' };
    try {
      const info = await this.docker.getImage(this.settings.image).inspect();
      image.ok = true;
      image.detail = `${this.settings.image} (${info.Id.slice(7, 19)}, ${Math.round(info.Size / 1e6)} MB)`;
    } catch (error) {
      image.detail = `${this.settings.image}: ${(error as Error).message}`;
      image.fix =
        this.settings.image === DEFAULT_SANDBOX_IMAGE
          ? 'codingworker sandbox build'
          : `build ${this.settings.image} (FROM ${DEFAULT_SANDBOX_IMAGE}) or unset CW_SANDBOX_IMAGE`;
    }
    return [engine, image];
  }
}

class DockerSandbox implements Sandbox {
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
    let exec: Docker.Exec;
    let stream: NodeJS.ReadWriteStream;
    try {
      exec = await this.container.exec({
        Cmd: ['bash', '-c', RUN_COMMAND, 'codingworker', `${timeoutMs / 1000}s`, command],
        AttachStdout: true,
        AttachStderr: true,
        WorkingDir: '/workspace',
      });
      stream = await exec.start({ hijack: true, stdin: false });
    } catch (error) {
      throw await this.failure(error);
    }
    this.docker.modem.demuxStream(stream, stdout, stderr);

    let hostTimedOut = false;
    let aborted = false;
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      // Backstop for commands that escape the process group (setsid, daemons): kill every sandbox process.
      const timer = setTimeout(
        () => {
          hostTimedOut = true;
          void this.killAll().finally(() =>
            setTimeout(() => (stream as unknown as { destroy(): void }).destroy(), 1_000).unref(),
          );
        },
        timeoutMs + KILL_AFTER_SECONDS * 1000 + HOST_GRACE_MS,
      );
      const onAbort = () => {
        aborted = true;
        finish();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
    // A hijacked stream is half-open after 'end': close our side, or the socket keeps the process alive.
    (stream as unknown as { destroy(): void }).destroy();
    if (aborted) {
      // Awaited, so the next command (a clean-up, a summary) never shares the sandbox with this one.
      await this.killAll();
      throw signal?.reason ?? new DOMException('The command was aborted', 'AbortError');
    }

    const durationMs = Math.round(performance.now() - started);
    let exitCode = -1;
    if (!hostTimedOut) {
      try {
        exitCode = (await exec.inspect()).ExitCode ?? -1;
      } catch (error) {
        throw await this.failure(error);
      }
    }
    // coreutils timeout exits 124 (TERM worked) or 137 (KILL was needed); a command can exit 124 itself,
    // so only trust it when the time was actually used up.
    const timedOut = hostTimedOut || ((exitCode === 124 || exitCode === 137) && durationMs >= timeoutMs);
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
    return classifyDockerError(error, this.settings.image);
  }
}

export interface LentWorkspace {
  /** The user the container runs as. */
  uid: number;
  gid: number;
  /** Gives a lent workspace back to its owner (chown -R); nothing to do otherwise. Safe to call twice. */
  giveBack(): Promise<void>;
}

/**
 * The bind mount keeps numeric owners. A container runs as the workspace's owner, so the files stay
 * theirs; a root-owned workspace (a worker running as root) is lent to the sandbox user (uid 1000) instead —
 * the sandbox never runs as root — and given back when the container is gone, so host git owns it again.
 */
export async function lendWorkspace(workspace: string): Promise<LentWorkspace> {
  const owner = await stat(workspace);
  if (!owner.isDirectory()) throw new Error(`sandbox workspace ${workspace} is not a directory`);
  if (owner.uid !== 0) return { uid: owner.uid, gid: owner.gid, giveBack: async () => undefined };
  await chownTree(workspace, SANDBOX_UID, SANDBOX_GID);
  let given: Promise<void> | undefined;
  return {
    uid: SANDBOX_UID,
    gid: SANDBOX_GID,
    giveBack: () => {
      given ??= chownTree(workspace, owner.uid, owner.gid);
      return given;
    },
  };
}

/** Maps a Docker API failure to a task error kind (worker/core/errors.ts). */
export function classifyDockerError(error: unknown, image: string): Error {
  const detail = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    json?: { message?: string };
  };
  const message = detail.json?.message ?? detail.message ?? String(error);
  if (/no space left on device/i.test(message) || detail.code === 'ENOSPC') {
    return new ResourceError(`Docker has no disk space left: free space (docker system prune) (${message})`, {
      cause: error,
    });
  }
  if (detail.code === 'ECONNREFUSED' || detail.code === 'ENOENT' || detail.code === 'EACCES') {
    return new TransientError(
      `the Docker engine is not reachable (${detail.code}): start Docker Desktop or dockerd, and check DOCKER_HOST`,
      { cause: error },
    );
  }
  if (detail.statusCode === 404 && /image/i.test(message)) {
    return new TransientError(`the sandbox image ${image} is missing: run codingworker sandbox build`, {
      cause: error,
    });
  }
  return new TransientError(`Docker failed: ${message}`, { cause: error });
}

/** Keeps the first and last halves of a stream up to `limit` bytes, without holding the middle. */
export class CappedOutput extends Writable {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  total = 0;

  constructor(limit: number) {
    super();
    this.headLimit = Math.ceil(limit / 2);
    this.tailLimit = limit - this.headLimit;
  }

  get truncated(): boolean {
    return this.total > this.headLimit + this.tailLimit;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = rest.subarray(0, this.headLimit - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length > 0 && this.tailLimit > 0) {
      this.tail.push(rest);
      this.tailBytes += rest.length;
      while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailLimit) {
        this.tailBytes -= this.tail.shift()!.length;
      }
    }
    callback();
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    if (!this.truncated) return head + Buffer.concat(this.tail).toString('utf8');
    const tail = Buffer.concat(this.tail).subarray(-this.tailLimit);
    const cut = this.total - this.headBytes - tail.length;
    return `${head}\n[CodingWorker: ${cut} bytes of output cut here]\n${tail.toString('utf8')}`;
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
  (stream as unknown as { destroy(): void }).destroy();
}

function slug(text: string): string {
  return text.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 40) || 'task';
}

/** chown -R without following symbolic links (a repository can contain links pointing anywhere). */
async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('chown', ['-R', '-h', `${uid}:${gid}`, '--', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (errors.length < 2_000) errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`chown -R ${uid}:${gid} ${path} failed: ${errors.trim()}`)),
    );
  });
}
