// Shared set-up for the Docker sandbox tests: small limits, a silent logger, a throwaway git workspace.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { loadSettings, type Settings } from '../../worker/core/settings.ts';
import { DEFAULT_SANDBOX_IMAGE, LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';

export const docker = new Docker();
export const silent = pino({ level: 'silent' });

export function sandboxSettings(overrides: Partial<Settings['sandbox']> = {}): Settings['sandbox'] {
  // CW_SANDBOX_IMAGE runs these tests against another image, e.g. one built with --dockerfile.
  const image = process.env.CW_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
  return {
    ...loadSettings({ CW_SANDBOX_IMAGE: image }).sandbox,
    memoryMb: 256,
    pids: 128,
    cpus: 1,
    ...overrides,
  };
}

/** Fails (never skips) with what to run when the image is missing: machine.sh builds it before the tests. */
export async function requireImage(image = sandboxSettings().image): Promise<void> {
  try {
    await docker.getImage(image).inspect();
  } catch {
    throw new Error(
      `the sandbox image ${image} is missing: run bash scripts/machine.sh setup (or codingworker sandbox build)`,
    );
  }
}

/** A git repository with one commit, in a fresh temp directory. */
export async function gitWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cw-sandbox-ws-'));
  await writeFile(join(dir, 'README.md'), '# test\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial');
  return dir;
}

const workerIds = new Set<string>();

/** A unique worker id, so tests never touch another test's (or a real worker's) containers. */
export function testWorkerId(name: string): string {
  const id = `test-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  workerIds.add(id);
  return id;
}

/** Removes every container of the worker ids this file made: a failed assertion must not leak containers. */
export async function removeTestContainers(): Promise<void> {
  for (const id of workerIds) {
    const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL_WORKER}=${id}`] } });
    for (const info of found)
      await docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
}
