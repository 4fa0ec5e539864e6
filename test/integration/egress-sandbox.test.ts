// The setup phase's network, end to end against the real Docker engine: a sandbox started with egress
// reaches a real local server only through socat and the worker's proxy socket, and a refused destination
// shows the one-line reason; a sandbox started without it has no socket and no route. NetworkMode is
// none in both. Run under `flock /tmp/docker.lock`.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import { EGRESS_PORT, withEgressEnvironment } from '../../worker/sandbox/egress-env.ts';
import { type EgressProxy, startEgressProxy } from '../../worker/sandbox/egress-proxy.ts';
import type { Sandbox } from '../../worker/sandbox/sandbox.ts';
import {
  docker,
  gitWorkspace,
  removeTestContainers,
  requireImage,
  sandboxSettings,
  silent,
  testWorkerId,
} from '../support/sandbox-fixtures.ts';

after(() => removeTestContainers());

/** python3 -c, with the script passed safely through the shell. */
function python(script: string): string {
  return `python3 -c '${script.replace(/'/g, `'"'"'`)}'`;
}

/** Fetches a URL with urllib (which reads HTTP_PROXY) and prints the status and body, errors included. */
function fetchScript(url: string): string {
  return python(`
import urllib.request, urllib.error
try:
    answer = urllib.request.urlopen(${JSON.stringify(url)}, timeout=10)
    print(answer.status, answer.read().decode(), end="")
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode(), end="")
`);
}

/** The host's own non-loopback IPv4 address: what a container with a route could reach. */
function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? [])
      if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  throw new Error('this host has no non-loopback IPv4 address to test against');
}

describe('the sandbox side of the egress proxy', () => {
  const workerId = testWorkerId('egress');
  const provider = createDockerSandboxProvider(sandboxSettings(), silent, docker, workerId);
  let socketDir: string;
  let workspace: string;
  let web: Server;
  let webPort: number;
  let echo: TcpServer;
  let echoPort: number;
  let proxy: EgressProxy;
  let withEgress: Sandbox;
  let without: Sandbox;

  before(async () => {
    await requireImage();
    web = createServer((_request, response) => response.end('hello from the host\n'));
    web.listen(0, '0.0.0.0');
    await once(web, 'listening');
    webPort = (web.address() as { port: number }).port;
    echo = createTcpServer((socket) => socket.pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as { port: number }).port;
    // mkdtemp makes it 0700: the provider must open it for the container's uids.
    socketDir = await mkdtemp(join(tmpdir(), 'cw-egress-sock-'));
    proxy = await startEgressProxy({
      socketPath: join(socketDir, 'egress.sock'),
      allow: [`127.0.0.1:${webPort}`, `127.0.0.1:${echoPort}`],
      logger: silent,
    });
    workspace = await gitWorkspace();
    withEgress = await provider.start({ taskId: 'egress-setup', workspace, egress: { socketDir } });
    without = await provider.start({ taskId: 'egress-agent', workspace });
  });

  after(async () => {
    await withEgress?.destroy();
    await without?.destroy();
    await proxy?.close();
    web?.close();
    echo?.close();
    await rm(socketDir, { recursive: true, force: true });
    await rm(workspace, { recursive: true, force: true });
  });

  test('both containers have NetworkMode none and only the loopback interface', async () => {
    for (const sandbox of [withEgress, without]) {
      const info = await docker.getContainer(sandbox.id).inspect();
      assert.equal(info.HostConfig.NetworkMode, 'none');
      const networks = Object.keys(info.NetworkSettings.Networks ?? {}).filter((name) => name !== 'none');
      assert.deepEqual(networks, [], 'attached to no network');
      const interfaces = await sandbox.exec('ls /sys/class/net');
      assert.equal(interfaces.stdout.trim(), 'lo');
    }
    const mounts = (await docker.getContainer(withEgress.id).inspect()).Mounts;
    const socketMount = mounts.find((mount) => mount.Destination === '/run/codingworker');
    assert.equal(socketMount?.Source, socketDir);
    assert.equal(socketMount?.RW, false, 'the socket directory is mounted read-only');
    assert.equal(
      ((await stat(socketDir)).mode & 0o011) === 0o011,
      true,
      'made traversable for the container',
    );
  });

  test('with egress: an allowed page on the host is fetched through socat and the proxy', async () => {
    const before = proxy.records.length;
    const result = await withEgress.exec(withEgressEnvironment(fetchScript(`http://127.0.0.1:${webPort}/`)));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout, '200 hello from the host\n');
    const record = proxy.records.at(-1)!;
    assert.equal(proxy.records.length, before + 1);
    assert.deepEqual(
      { host: record.host, port: record.port, allowed: record.allowed },
      {
        host: '127.0.0.1',
        port: webPort,
        allowed: true,
      },
    );
  });

  test('with egress: a refused destination shows the one-line reason', async () => {
    const result = await withEgress.exec(
      withEgressEnvironment(fetchScript('http://pypi.example.invalid/simple/')),
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(
      result.stdout,
      '403 CodingWorker egress proxy: pypi.example.invalid:80 is not in CW_EGRESS_ALLOW (add it there, or ask the operator)\n',
    );
    const local = await withEgress.exec(withEgressEnvironment(fetchScript(`http://localhost:${webPort}/`)));
    assert.match(local.stdout, /^403 CodingWorker egress proxy: localhost:\d+ is not in CW_EGRESS_ALLOW/);
  });

  test('with egress: CONNECT tunnels through the forwarder', async () => {
    const result = await withEgress.exec(
      python(`
import socket
s = socket.create_connection(("127.0.0.1", ${EGRESS_PORT}), timeout=10)
s.sendall(b"CONNECT 127.0.0.1:${echoPort} HTTP/1.1\\r\\nHost: 127.0.0.1:${echoPort}\\r\\n\\r\\n")
head = b""
while b"\\r\\n\\r\\n" not in head:
    head += s.recv(1)
s.sendall(b"ping")
print(head.split(b"\\r\\n")[0].decode(), s.recv(4).decode())
`),
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout, 'HTTP/1.1 200 Connection Established ping\n');
  });

  test('with egress: the forwarder outlives each command, and the command cannot kill it', async () => {
    // The forwarder runs as another uid: the sandbox user's signals do not reach it.
    const pkill = await withEgress.exec(
      'pgrep -u 65534 -x socat >/dev/null && echo running; pkill -9 socat; echo "pkill $?"',
    );
    assert.match(pkill.stdout, /^running\npkill [1-9]/, pkill.stdout + pkill.stderr);
    // Kills the command's own shell too (exit 137); the sweep after every command does the same.
    await withEgress.exec('kill -9 -1');
    const again = await withEgress.exec(withEgressEnvironment(fetchScript(`http://127.0.0.1:${webPort}/`)));
    assert.equal(again.stdout, '200 hello from the host\n', again.stderr);
    const readOnly = await withEgress.exec('touch /run/codingworker/planted');
    assert.notEqual(readOnly.exitCode, 0, 'the socket directory cannot be written from inside');
  });

  test('without egress: no proxy socket, no forwarder, and no address outside is reachable', async () => {
    const socket = await without.exec('test -e /run/codingworker');
    assert.equal(socket.exitCode, 1, 'nothing is mounted at /run/codingworker');
    const result = await without.exec(
      python(`
import socket
for host, port in (("127.0.0.1", ${EGRESS_PORT}), (${JSON.stringify(hostAddress())}, ${webPort}), ("8.8.8.8", 53)):
    try:
        socket.create_connection((host, port), timeout=3)
        print(host, "reached")
    except OSError as error:
        print(host, "refused", error.errno)
`),
    );
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    // ECONNREFUSED on the loopback (no forwarder), ENETUNREACH anywhere else (no route at all).
    assert.deepEqual(
      lines.map((line) => line.split(' ').slice(1).join(' ')),
      ['refused 111', 'refused 101', 'refused 101'],
      result.stdout,
    );

    // The host's server does answer on that address: only the sandbox cannot get there.
    const direct = await fetch(`http://${hostAddress()}:${webPort}/`);
    assert.equal(await direct.text(), 'hello from the host\n');
  });
});
