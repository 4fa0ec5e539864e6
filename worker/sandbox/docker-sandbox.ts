// The Docker implementation of SandboxProvider (dockerode). docs/sandbox.md explains each choice.
import { chmod, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { PermanentError, TransientError } from '../core/errors.ts';
import { processAlive } from '../core/process-alive.ts';
import type { Settings } from '../core/settings.ts';
import type { CheckResult } from '../daemon/doctor-check.ts';
import { DockerSandbox } from './docker-container.ts';
import { classifyDockerError, sandboxImage } from './docker-errors.ts';
import { EGRESS_MOUNT, egressForwarderCommand, forwarderUid } from './egress-env.ts';
import { hardenedHostConfig, writableTmpfs } from './hardening.ts';
import { CappedOutput } from './output-cap.ts';
import {
  DEFAULT_SANDBOX_IMAGE,
  LABEL_HOST,
  LABEL_PID,
  LABEL_TASK,
  LABEL_WORKER,
  ownerLabels,
  SANDBOX_ENV,
  type Sandbox,
  type SandboxProvider,
} from './sandbox.ts';
import { lendWorkspace } from './workspace-lending.ts';

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

  async start(options: {
    taskId: string;
    workspace: string;
    egress?: { socketDir: string };
  }): Promise<Sandbox> {
    const { taskId, workspace, egress } = options;
    await this.removeLeftBehind();
    if (egress) await traversable(egress.socketDir);
    const lent = await lendWorkspace(workspace);
    let container: Docker.Container | undefined;
    try {
      container = await this.docker.createContainer(
        sandboxContainerOptions(this.settings, {
          taskId,
          workspace,
          workerId: this.workerId,
          user: lent,
          egressDir: egress?.socketDir,
        }),
      );
      await container.start();
      if (egress) await startForwarder(this.docker, container, this.settings.image, lent.uid);
    } catch (error) {
      if (container) await container.remove({ force: true }).catch(() => undefined);
      await lent.giveBack().catch(() => undefined);
      if (error instanceof PermanentError || error instanceof TransientError) throw error;
      // Only the create request is about the image; a later 404 is the new container gone.
      throw classifyDockerError(error, container ? undefined : sandboxImage(this.settings.image));
    }
    this.logger.debug(
      { container: container.id, taskId, uid: lent.uid, egress: !!egress },
      'Sandbox started',
    );
    return new DockerSandbox(this.docker, container, this.settings, this.logger, lent, (id) =>
      this.leftBehind.add(id),
    );
  }

  async removeOrphans(): Promise<number> {
    let found: Docker.ContainerInfo[];
    try {
      const [onHost, ofWorker] = await Promise.all([
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL_HOST}=${hostname()}`] } }),
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL_WORKER}=${this.workerId}`] } }),
      ]);
      found = [...onHost, ...ofWorker.filter((info) => !(LABEL_HOST in info.Labels))].filter(orphaned);
    } catch (error) {
      throw classifyDockerError(error);
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

  async imageId(): Promise<string> {
    try {
      return (await this.docker.getImage(this.settings.image).inspect()).Id;
    } catch (error) {
      throw classifyDockerError(error, sandboxImage(this.settings.image));
    }
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

/** Owned by a process on this host that is gone, or unowned (started before owner labels existed). */
function orphaned(info: Docker.ContainerInfo): boolean {
  const pid = Number(info.Labels[LABEL_PID]);
  if (!(LABEL_HOST in info.Labels)) return true;
  return info.Labels[LABEL_HOST] === hostname() && pid > 0 && !processAlive(pid);
}

/**
 * The sandbox container: the hardening spec, no network at all, only the workspace mounted; in the setup
 * phase also the egress proxy's socket directory, read-only (connecting to a socket needs no write access
 * to its file system). NetworkMode stays none either way.
 */
export function sandboxContainerOptions(
  settings: SandboxSettings,
  target: {
    taskId: string;
    workspace: string;
    workerId: string;
    user: { uid: number; gid: number };
    egressDir?: string;
  },
): Docker.ContainerCreateOptions {
  const { taskId, workspace, workerId, user, egressDir } = target;
  const binds = [`${workspace}:/workspace:rw`];
  if (egressDir) binds.push(`${egressDir}:${EGRESS_MOUNT}:ro`);
  return {
    name: `codingworker-${slug(taskId)}-${Math.random().toString(36).slice(2, 8)}`,
    Image: settings.image,
    Cmd: KEEP_ALIVE,
    User: `${user.uid}:${user.gid}`,
    WorkingDir: '/workspace',
    Env: SANDBOX_ENV,
    Labels: { [LABEL_TASK]: taskId, [LABEL_WORKER]: workerId, ...ownerLabels() },
    NetworkDisabled: true,
    HostConfig: {
      ...hardenedHostConfig(settings),
      NetworkMode: 'none',
      Tmpfs: writableTmpfs({ ...user, tmpMb: 512, homeMb: 256, tmpExec: false }),
      Binds: binds,
      // Output is read through exec streams; the engine keeps no log files of an untrusted command.
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * The forwarder and the sandbox user are other uids than the worker: the socket directory must let them
 * reach the socket (which the proxy makes 0666). Only search permission is added, nothing taken away.
 */
async function traversable(directory: string): Promise<void> {
  const { mode } = await stat(directory);
  if ((mode & 0o011) !== 0o011) await chmod(directory, (mode & 0o7777) | 0o011);
}

/**
 * Starts socat inside as forwarderUid (egress-env.ts) and waits until it listens. A custom image without
 * socat is the operator's to fix; anything else may pass.
 */
async function startForwarder(
  docker: Docker,
  container: Docker.Container,
  image: string,
  sandboxUid: number,
): Promise<void> {
  const uid = forwarderUid(sandboxUid);
  const exec = await container.exec({
    Cmd: ['bash', '-c', egressForwarderCommand()],
    User: `${uid}:${uid}`,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const output = new CappedOutput(2_048);
  docker.modem.demuxStream(stream, output, output);
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  (stream as unknown as { destroy(): void }).destroy();
  const exitCode = (await exec.inspect()).ExitCode;
  if (exitCode === 0) return;
  if (exitCode === 127) {
    throw new PermanentError(
      `the sandbox image ${image} has no socat, which the setup phase's network needs: rebuild it (codingworker sandbox build) or add socat to your image`,
    );
  }
  throw new TransientError(`the sandbox's egress forwarder did not start: ${output.text().trim()}`);
}

function slug(text: string): string {
  return text.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 40) || 'task';
}
