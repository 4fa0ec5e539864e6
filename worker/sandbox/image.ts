// Building the sandbox image, two ways from one package list (sandbox/packages.txt):
// - dockerfile: `docker build` of sandbox/Dockerfile, for machines that can pull debian:bookworm-slim;
// - offline:    debootstrap a Debian root from the apt mirror, then `docker import` it, for machines with
//               no image registry (like CI here). Linux and root only: debootstrap needs both.
// The image carries a label with a hash of the recipe, so `build --if-missing` also rebuilds a stale one.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { SANDBOX_ENV, SANDBOX_GID, SANDBOX_HOME, SANDBOX_UID } from './sandbox.ts';

export type BuildMethod = 'offline' | 'dockerfile';

/** Bump when the steps below change in a way the recipe files do not show, to rebuild existing images. */
const RECIPE_STEPS_VERSION = '1';
export const LABEL_RECIPE = 'codingworker.recipe';
/** Debian release and mirror of the offline recipe (the Dockerfile's FROM names the same release). */
export const DEBIAN_SUITE = 'bookworm';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export interface BuildOptions {
  tag: string;
  method: BuildMethod;
  /** Offline recipe only: the Debian mirror. Default http://deb.debian.org/debian. */
  mirror?: string;
  /** Dockerfile recipe only: the Debian bookworm base image. Default debian:bookworm-slim. */
  base?: string;
  logger: Logger;
}

export interface BuildResult {
  tag: string;
  method: BuildMethod;
  seconds: number;
}

/** The checkout's sandbox/: beside worker/ (this file is worker/sandbox/image.ts, or build/worker/sandbox/image.js). */
export function recipeDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', '..', 'sandbox'), join(here, '..', '..', '..', 'sandbox')]) {
    if (existsSync(join(candidate, 'packages.txt'))) return candidate;
  }
  throw new Error(`sandbox/packages.txt not found near ${here}: is the checkout complete?`);
}

export async function readPackages(directory = recipeDirectory()): Promise<string[]> {
  const text = await readFile(join(directory, 'packages.txt'), 'utf8');
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

/** A short hash of everything that decides the image's content. */
export async function recipeHash(directory = recipeDirectory()): Promise<string> {
  const hash = createHash('sha256').update(RECIPE_STEPS_VERSION);
  for (const file of ['packages.txt', 'Dockerfile']) hash.update(await readFile(join(directory, file)));
  return hash.digest('hex').slice(0, 16);
}

/** missing, stale (built from another recipe) or current. */
export async function imageStatus(docker: Docker, tag: string): Promise<'missing' | 'stale' | 'current'> {
  let labels: Record<string, string> | undefined;
  try {
    labels = (await docker.getImage(tag).inspect()).Config?.Labels ?? undefined;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return 'missing';
    throw error;
  }
  return labels?.[LABEL_RECIPE] === (await recipeHash()) ? 'current' : 'stale';
}

/** Offline where it can work (Linux, root, debootstrap installed), else the Dockerfile. */
export function defaultBuildMethod(): BuildMethod {
  return process.platform === 'linux' && process.getuid?.() === 0 && onPath('debootstrap')
    ? 'offline'
    : 'dockerfile';
}

export async function buildSandboxImage(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const directory = recipeDirectory();
  const hash = await recipeHash(directory);
  if (options.method === 'dockerfile') {
    await run(
      'docker',
      [
        'build',
        '--label',
        `${LABEL_RECIPE}=${hash}`,
        ...(options.base ? ['--build-arg', `BASE=${options.base}`] : []),
        '--tag',
        options.tag,
        directory,
      ],
      options.logger,
    );
  } else {
    await buildOffline(options, directory, hash);
  }
  return {
    tag: options.tag,
    method: options.method,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

async function buildOffline(options: BuildOptions, directory: string, hash: string): Promise<void> {
  if (process.platform !== 'linux') {
    throw new Error('the offline sandbox build needs Linux: use codingworker sandbox build --dockerfile');
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the offline sandbox build needs root (debootstrap): run it with sudo, or use --dockerfile',
    );
  }
  if (!onPath('debootstrap')) {
    throw new Error('debootstrap is not installed: apt-get install -y debootstrap (or use --dockerfile)');
  }
  const packages = await readPackages(directory);
  const root = await mkdtemp(join(tmpdir(), 'codingworker-rootfs-'));
  try {
    options.logger.info({ packages: packages.length }, 'Bootstrapping the sandbox root file system');
    await run(
      'debootstrap',
      [
        '--variant=minbase',
        `--include=${packages.join(',')}`,
        DEBIAN_SUITE,
        root,
        options.mirror ?? DEFAULT_MIRROR,
      ],
      options.logger,
    );
    await addSandboxUser(root);
    // Package caches and docs are a third of the size and nothing in the sandbox reads them.
    for (const path of [
      'var/cache/apt',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
      'usr/share/info',
    ]) {
      await rm(join(root, path), { recursive: true, force: true });
    }
    const changes = [
      `USER ${SANDBOX_UID}:${SANDBOX_GID}`,
      'WORKDIR /workspace',
      `ENV ${SANDBOX_ENV.join(' ')}`,
      `LABEL codingworker.sandbox=1 ${LABEL_RECIPE}=${hash}`,
      'CMD ["bash"]',
    ];
    options.logger.info({ tag: options.tag }, 'Importing the root file system into Docker');
    await run(
      'bash',
      [
        '-c',
        'set -o pipefail; root=$1 tag=$2; shift 2; tar --numeric-owner -C "$root" -c . | docker import "$@" - "$tag"',
        'import',
        root,
        options.tag,
        ...changes.flatMap((change) => ['--change', change]),
      ],
      options.logger,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The unprivileged "agent" user (uid 1000), its home and the /workspace mount point. */
async function addSandboxUser(root: string): Promise<void> {
  await appendFile(
    join(root, 'etc/passwd'),
    `agent:x:${SANDBOX_UID}:${SANDBOX_GID}:CodingWorker sandbox:${SANDBOX_HOME}:/bin/bash\n`,
  );
  await appendFile(join(root, 'etc/group'), `agent:x:${SANDBOX_GID}:\n`);
  await appendFile(join(root, 'etc/shadow'), 'agent:!:19000:0:99999:7:::\n');
  for (const path of [SANDBOX_HOME, '/workspace']) {
    await mkdir(join(root, path), { recursive: true, mode: 0o755 });
    await run('chown', [`${SANDBOX_UID}:${SANDBOX_GID}`, join(root, path)]);
  }
}

function onPath(command: string): boolean {
  const path = process.env.PATH ?? '';
  const directories = [...path.split(':'), '/usr/sbin', '/sbin'];
  return directories.some((directory) => directory && existsSync(join(directory, command)));
}

/** Runs a build step; its output goes to the debug log, and its last lines into the error when it fails. */
function run(command: string, args: string[], logger?: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let recent = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      recent = (recent + text).slice(-4_000);
      for (const line of text.split('\n')) if (line.trim()) logger?.debug({ step: command }, line.trim());
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} exited with ${code}:\n${recent.trim().split('\n').slice(-15).join('\n')}`),
        );
    });
  });
}
