// The sandbox against the real Docker engine: what the container is allowed, asserted through
// `docker inspect` and from inside; ownership of the workspace; removal and orphan clean-up.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import { imageStatus } from '../../worker/sandbox/image.ts';
import { LABEL_TASK, LABEL_WORKER, SANDBOX_ENV, type Sandbox } from '../../worker/sandbox/sandbox.ts';
import {
  docker,
  gitWorkspace,
  removeTestContainers,
  requireImage,
  sandboxSettings,
  silent,
  testWorkerId,
} from '../support/sandbox-fixtures.ts';

/** Starts `count` sandboxes in a child process, kills it with SIGKILL and returns the container ids. */
async function killedOwner(workerId: string, workspace: string, count: number): Promise<string[]> {
  const child = spawn(process.execPath, [OWNER_ENTRY, workerId, workspace, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes('ready\n')) break;
  }
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  return out.split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line));
}

const OWNER_ENTRY = fileURLToPath(new URL('../support/sandbox-owner.ts', import.meta.url));

const CANARY = `canary-${Math.random().toString(36).slice(2)}`;

// Whatever a failed assertion left running goes, so a red run does not leak containers.
after(() => removeTestContainers());

describe('the Docker sandbox is locked down', () => {
  const workerId = testWorkerId('hardening');
  const settings = sandboxSettings({ memoryMb: 300, pids: 100, cpus: 1.5 });
  const provider = createDockerSandboxProvider(settings, silent, docker, workerId);
  let workspace: string;
  let sandbox: Sandbox;

  before(async () => {
    await requireImage();
    // Planted in the worker's own environment: it must not reach the container.
    process.env.CW_TEST_CANARY_SECRET = CANARY;
    workspace = await gitWorkspace();
    sandbox = await provider.start({ taskId: 'hardening-1', workspace });
  });

  after(async () => {
    delete process.env.CW_TEST_CANARY_SECRET;
    await sandbox?.destroy();
    await rm(workspace, { recursive: true, force: true });
  });

  test('docker inspect shows every restriction', async () => {
    const info = await docker.getContainer(sandbox.id).inspect();
    const host = info.HostConfig;
    assert.equal(host.NetworkMode, 'none');
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.equal(host.CapAdd, null);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
    assert.equal(host.Privileged, false);
    assert.equal(host.ReadonlyRootfs, true);
    assert.deepEqual(Object.keys(host.Tmpfs ?? {}).sort(), ['/home/agent', '/tmp']);
    assert.match(host.Tmpfs?.['/tmp'] ?? '', /noexec/);
    assert.match(host.Tmpfs?.['/home/agent'] ?? '', /uid=1000,gid=1000/);
    assert.equal(host.PidsLimit, 100);
    assert.equal(host.Memory, 300 * 1024 * 1024);
    assert.equal(host.MemorySwap, 300 * 1024 * 1024);
    assert.equal(host.NanoCpus, 1.5e9);
    assert.equal(host.OomScoreAdj, 500);
    assert.equal(host.IpcMode, 'private');
    assert.equal(info.Config.User, '1000:1000', 'a root-owned workspace is lent to the sandbox user 1000');
    assert.deepEqual(info.Config.Env, SANDBOX_ENV);
    assert.equal(info.Config.Labels[LABEL_TASK], 'hardening-1');
    assert.equal(info.Config.Labels[LABEL_WORKER], workerId);
    assert.equal(info.Config.Image, settings.image);
    // Only the workspace is mounted, and nothing anywhere names the Docker socket.
    assert.deepEqual(
      info.Mounts.map((mount) => [mount.Type, mount.Source, mount.Destination, mount.RW]),
      [['bind', workspace, '/workspace', true]],
    );
    assert.doesNotMatch(JSON.stringify(info), /docker\.sock/);
  });

  test('inside, only the loopback interface exists and nothing is reachable', async () => {
    const links = await sandbox.exec('ls /sys/class/net');
    assert.equal(links.exitCode, 0);
    assert.deepEqual(links.stdout.trim().split(/\s+/), ['lo']);
    const connect = await sandbox.exec(
      'python3 -c "import socket; socket.create_connection((\'1.1.1.1\', 53), timeout=2)"',
    );
    assert.notEqual(connect.exitCode, 0);
    assert.match(connect.stderr, /Network is unreachable|OSError/);
  });

  test("the worker's environment is invisible to every process", async () => {
    const result = await sandbox.exec(
      'env; cat /proc/1/environ | tr "\\0" "\\n"; cat /proc/*/environ 2>/dev/null',
    );
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /HOME=\/home\/agent/);
    assert.doesNotMatch(result.stdout, new RegExp(CANARY));
    assert.doesNotMatch(result.stdout, /CW_TEST_CANARY_SECRET/);
  });

  test('a non-root user without capabilities or privilege escalation', async () => {
    const result = await sandbox.exec('id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status');
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /^1000\n/);
    assert.match(result.stdout, /CapEff:\s+0000000000000000/);
    assert.match(result.stdout, /CapBnd:\s+0000000000000000/);
    assert.match(result.stdout, /NoNewPrivs:\s+1/);
  });

  test('writes succeed only in /workspace, /tmp and the home directory', async () => {
    const result = await sandbox.exec(
      'for p in /workspace/new.txt /tmp/t.txt /home/agent/h.txt /etc/x /usr/bin/x /x /var/tmp/x; do ' +
        'if echo data > "$p" 2>/dev/null; then echo "ok $p"; else echo "denied $p"; fi; done',
    );
    assert.deepEqual(result.stdout.trim().split('\n'), [
      'ok /workspace/new.txt',
      'ok /tmp/t.txt',
      'ok /home/agent/h.txt',
      'denied /etc/x',
      'denied /usr/bin/x',
      'denied /x',
      'denied /var/tmp/x',
    ]);
    const noexec = await sandbox.exec('printf "#!/bin/sh\\necho ran" > /tmp/s && chmod +x /tmp/s && /tmp/s');
    assert.notEqual(noexec.exitCode, 0, '/tmp is mounted noexec');
  });

  test('git works inside on the mounted repository', async () => {
    const result = await sandbox.exec('git status --short && git log --oneline | wc -l');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /\?\? new\.txt/);
  });
});

describe('the workspace stays usable by the host', () => {
  const workerId = testWorkerId('ownership');
  const provider = createDockerSandboxProvider(sandboxSettings(), silent, docker, workerId);

  before(() => requireImage());

  test('a root-owned workspace is lent to uid 1000 and given back: host git commits the result', async () => {
    const workspace = await gitWorkspace();
    try {
      assert.equal((await stat(workspace)).uid, 0, 'these tests run as root, as CI does');
      const sandbox = await provider.start({ taskId: 'own-1', workspace });
      const made = await sandbox.exec(
        'mkdir -p src && echo "print(1)" > src/a.py && git add -A && stat -c %u src/a.py',
      );
      assert.equal(made.exitCode, 0, made.stderr);
      assert.equal(made.stdout.trim(), '1000');
      await sandbox.destroy();
      assert.equal((await stat(join(workspace, 'src', 'a.py'))).uid, 0);
      assert.equal((await stat(join(workspace, '.git', 'index'))).uid, 0);
      const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace, encoding: 'utf8' });
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'from the sandbox');
      assert.equal(git('show', '--name-only', '--format=', 'HEAD').trim(), 'src/a.py');
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });

  test("a workspace owned by a normal user runs as that user's uid and keeps its owner", async () => {
    const workspace = await gitWorkspace();
    try {
      execFileSync('chown', ['-R', '4321:4322', workspace]);
      const sandbox = await provider.start({ taskId: 'own-2', workspace });
      const info = await docker.getContainer(sandbox.id).inspect();
      assert.equal(info.Config.User, '4321:4322');
      const made = await sandbox.exec('id -u; echo x > f.txt; git status --short; stat -c %u ~; touch ~/h');
      assert.equal(made.exitCode, 0, made.stderr);
      assert.deepEqual(made.stdout.trim().split('\n'), ['4321', '?? f.txt', '4321']);
      await sandbox.destroy();
      const file = await stat(join(workspace, 'f.txt'));
      assert.deepEqual([file.uid, file.gid], [4321, 4322]);
    } finally {
      await chown(workspace, 0, 0);
      await rm(workspace, { recursive: true, force: true });
    }
  });
});

describe('containers are removed in every outcome', () => {
  before(() => requireImage());

  test('destroy removes the container and is safe to call twice', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'cw-sandbox-ws-'));
    const provider = createDockerSandboxProvider(sandboxSettings(), silent, docker, testWorkerId('destroy'));
    const sandbox = await provider.start({ taskId: 'destroy-1', workspace });
    await sandbox.destroy();
    await sandbox.destroy();
    await assert.rejects(docker.getContainer(sandbox.id).inspect(), { statusCode: 404 });
    await rm(workspace, { recursive: true, force: true });
  });

  test("after a kill -9, the next start's removeOrphans removes the dead process's containers, never a live one's", async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'cw-sandbox-ws-'));
    const workerId = testWorkerId('crash');
    const otherId = testWorkerId('other');
    // The crashed worker: a real process, killed with its sandboxes running.
    const left = await killedOwner(workerId, workspace, 2);
    assert.equal(left.length, 2);
    // A live process (this one) under the same worker id and under another: both must survive.
    const live = createDockerSandboxProvider(sandboxSettings(), silent, docker, workerId);
    const sameWorker = await live.start({ taskId: 'live-1', workspace });
    const other = createDockerSandboxProvider(sandboxSettings(), silent, docker, otherId);
    const alive = await other.start({ taskId: 'other-1', workspace });
    try {
      // The next run on this host, under another worker id (a daemon never restarted under the same one).
      const next = createDockerSandboxProvider(sandboxSettings(), silent, docker, testWorkerId('next'));
      assert.equal(await next.removeOrphans(), 2);
      for (const id of left) {
        await assert.rejects(docker.getContainer(id).inspect(), { statusCode: 404 });
      }
      assert.equal((await docker.getContainer(alive.id).inspect()).State.Running, true);
      assert.equal((await docker.getContainer(sameWorker.id).inspect()).State.Running, true);
      // And under the crashed worker's own id: the live process's container stays.
      assert.equal(await live.removeOrphans(), 0);
      assert.equal((await docker.getContainer(sameWorker.id).inspect()).State.Running, true);
    } finally {
      await alive.destroy();
      await sameWorker.destroy();
      await rm(workspace, { recursive: true, force: true });
    }
  });

  test('a failed start leaves no container behind and gives the workspace back', async () => {
    const workspace = await gitWorkspace();
    const workerId = testWorkerId('failed');
    const provider = createDockerSandboxProvider(
      sandboxSettings({ image: 'codingworker-no-such-image:latest' }),
      silent,
      docker,
      workerId,
    );
    await assert.rejects(provider.start({ taskId: 'fail-1', workspace }), {
      name: 'TransientError',
      message: /codingworker sandbox build/,
    });
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKER}=${workerId}`] },
    });
    assert.equal(left.length, 0);
    assert.equal((await stat(join(workspace, 'README.md'))).uid, 0);
    await rm(workspace, { recursive: true, force: true });
  });
});

describe('doctor lines and the image', () => {
  test('check() reports the engine and the image', async () => {
    const provider = createDockerSandboxProvider(sandboxSettings(), silent, docker, testWorkerId('check'));
    const [engine, image] = await provider.check();
    assert.equal(engine?.ok, true);
    assert.match(engine?.detail ?? '', /^Docker \d+/);
    assert.equal(image?.ok, true, image?.detail);
    const missing = createDockerSandboxProvider(
      sandboxSettings({ image: 'codingworker-no-such-image:latest' }),
      silent,
      docker,
      testWorkerId('check'),
    );
    const [, absent] = await missing.check();
    assert.equal(absent?.ok, false);
    assert.match(absent?.fix ?? '', /FROM codingworker-sandbox:latest/);
  });

  test('the built image is current for the recipe and has the agent user and the tools', async () => {
    await requireImage();
    assert.equal(await imageStatus(docker, sandboxSettings().image), 'current');
    const workspace = await mkdtemp(join(tmpdir(), 'cw-sandbox-ws-'));
    const provider = createDockerSandboxProvider(sandboxSettings(), silent, docker, testWorkerId('tools'));
    const sandbox = await provider.start({ taskId: 'tools-1', workspace });
    try {
      const result = await sandbox.exec(
        'whoami && git --version && python3 -c "import yaml" && node --version && make --version | head -1 && gcc --version | head -1',
      );
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /^agent\ngit version /);
    } finally {
      await sandbox.destroy();
      await rm(workspace, { recursive: true, force: true });
    }
  });
});
