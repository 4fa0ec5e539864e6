// A second Docker engine owned by one test, so the test can restart it without touching the shared engine
// (/var/run/docker.sock) other tests run their sandboxes on. Everything it writes lives in one temp dir:
// socket, data root, exec root, pid file, log. --bridge=none and no iptables, as on the shared engine: this
// machine allows no bridge network.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);

export interface PrivateDocker {
  /** DOCKER_HOST for clients of this engine (unix://<dir>/docker.sock). */
  host: string;
  /** A dockerode client of this engine. */
  docker: Docker;
  dir: string;
  /** Copies an image from the shared engine (docker save | docker load); resolves with the time it took. */
  loadImage(name: string): Promise<number>;
  /** SIGTERM, wait for the engine to exit, start it again with the same flags, wait until it answers. */
  restart(): Promise<{ stopMs: number; startMs: number }>;
  /** The engine's log (for failure messages). */
  log(): string;
  /** Stops the engine, unmounts what it left mounted under its dir and removes the dir. Safe to call twice. */
  remove(): Promise<void>;
}

export async function startPrivateDocker(): Promise<PrivateDocker> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const logFile = join(dir, 'dockerd.log');
  const args = [
    '-H',
    host,
    '--data-root',
    join(dir, 'data'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    join(dir, 'docker.pid'),
    '--bridge=none',
    '--iptables=false',
    '--ip-forward=false',
    // Containers get 1 s to stop on SIGTERM instead of 10: the sandbox is killed either way, the test is faster.
    '--shutdown-timeout=1',
  ];
  const docker = new Docker({ socketPath: socket });
  let engine: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    engine = spawn('dockerd', args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (engine.exitCode !== null) throw new Error(`dockerd exited ${engine.exitCode}:\n${readLog()}`);
      try {
        await docker.ping();
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`dockerd did not answer on ${host} within 30 s:\n${readLog()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const stop = async (): Promise<void> => {
    const current = engine;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    const timer = setTimeout(() => current.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };
  // A test process that dies without its after hook must not leave an engine running.
  const killOnExit = () => engine?.kill('SIGKILL');
  process.once('exit', killOnExit);

  await start();
  return {
    host,
    docker,
    dir,
    async loadImage(name) {
      const started = Date.now();
      await run(
        'bash',
        ['-c', 'set -o pipefail; docker save "$1" | docker -H "$2" load', 'load', name, host],
        {
          maxBuffer: 1 << 20,
        },
      );
      return Date.now() - started;
    },
    async restart() {
      const stopping = Date.now();
      await stop();
      const starting = Date.now();
      await start();
      return { stopMs: starting - stopping, startMs: Date.now() - starting };
    },
    log: readLog,
    async remove() {
      await stop();
      process.removeListener('exit', killOnExit);
      // dockerd normally unmounts on exit; a killed one leaves its data root (and overlays) mounted.
      const { stdout } = await run('mount');
      const mounted = stdout
        .split('\n')
        .map((line) => / on (\S+) type /.exec(line)?.[1])
        .filter((point): point is string => point?.startsWith(dir) === true)
        .sort((a, b) => b.length - a.length);
      for (const point of mounted) await run('umount', ['-l', point]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
