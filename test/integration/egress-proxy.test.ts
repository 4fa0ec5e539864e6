// The egress proxy on a real Unix socket, against a real local HTTP server and a real TCP echo server
// standing in for an https destination (CONNECT carries bytes, whatever they are).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { Lookup } from '../../worker/sandbox/egress-allow.ts';
import { type EgressProxy, startEgressProxy } from '../../worker/sandbox/egress-proxy.ts';

/** Names the tests resolve; the real resolver knows none of them. */
const lookup: Lookup = async (host) => {
  const names: Record<string, string[]> = {
    'mirror.test': ['127.0.0.1'],
    'sneaky.example.test': ['127.0.0.1'],
    localhost: ['127.0.0.1', '::1'],
  };
  const found = names[host];
  if (!found) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};

interface Answer {
  status: number;
  body: string;
}

/** One request through the proxy: an absolute URI, as HTTP_PROXY clients send it. */
function viaProxy(
  socketPath: string,
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        socketPath,
        method: options.method ?? 'GET',
        path: url,
        headers: { host: new URL(url).host, ...options.headers },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** A CONNECT request: the status, and the open tunnel when it was granted. */
function connectVia(
  socketPath: string,
  authority: string,
): Promise<{ status: number; socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ socketPath, method: 'CONNECT', path: authority });
    outgoing.on('connect', (response, socket, head) =>
      resolve({ status: response.statusCode ?? 0, socket, head }),
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function readAll(socket: Socket, head: Buffer = Buffer.alloc(0)): Promise<string> {
  const chunks = [head];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('the egress proxy', () => {
  let directory: string;
  let web: Server;
  let webPort: number;
  /** The same server's handler on a port the list does not name: it answers, but not through the proxy. */
  let unlisted: Server;
  let unlistedPort: number;
  let echo: TcpServer;
  let echoPort: number;
  let proxy: EgressProxy;
  let socketPath: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
  const logLines: string[] = [];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cw-egress-'));
    const handler: Parameters<typeof createServer>[1] = (incoming, response) => {
      let body = '';
      incoming.on('data', (chunk) => {
        body += chunk;
      });
      incoming.on('end', () => {
        seen.push({ url: incoming.url ?? '', headers: incoming.headers, body });
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(`hello from the index: ${body.length} bytes received\n`);
      });
    };
    web = createServer(handler);
    web.listen(0, '127.0.0.1');
    await once(web, 'listening');
    webPort = (web.address() as { port: number }).port;
    unlisted = createServer(handler);
    unlisted.listen(0, '127.0.0.1');
    await once(unlisted, 'listening');
    unlistedPort = (unlisted.address() as { port: number }).port;
    echo = createTcpServer((socket) => socket.pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as { port: number }).port;

    socketPath = join(directory, 'egress.sock');
    // A socket file left by a killed worker: listen must replace it.
    execFileSync('python3', [
      '-c',
      `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(socketPath)})`,
    ]);
    assert.ok(existsSync(socketPath));
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, callback) {
          logLines.push(chunk.toString());
          callback();
        },
      }),
    );
    proxy = await startEgressProxy({
      socketPath,
      allow: [`127.0.0.1:${webPort}`, `127.0.0.1:${echoPort}`, `mirror.test:${webPort}`, '*.example.test'],
      logger,
      lookup,
      idleTimeoutMs: 400,
    });
  });

  after(async () => {
    await proxy?.close();
    web?.close();
    unlisted?.close();
    echo?.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('listens on the socket, connectable by any uid (the container forwarder runs as nobody)', async () => {
    const info = await stat(socketPath);
    assert.ok(info.isSocket());
    assert.equal(info.mode & 0o777, 0o666);
  });

  test('an allowed destination is fetched: the listed IP literal and port', async () => {
    const answer = await viaProxy(socketPath, `http://127.0.0.1:${webPort}/simple/pkg/?token=s3cret-query`, {
      headers: {
        authorization: 'Bearer s3cret-header',
        'proxy-authorization': 'Basic s3cret-proxy',
        connection: 'keep-alive',
      },
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'hello from the index: 0 bytes received\n');
    const got = seen.at(-1)!;
    assert.equal(got.url, '/simple/pkg/?token=s3cret-query', 'origin-form path and query reach the server');
    assert.equal(got.headers.authorization, 'Bearer s3cret-header');
    assert.equal(got.headers['proxy-authorization'], undefined, 'the proxy’s own headers stop here');
  });

  test('the Host sent on is the one the allow-list checked, never a forged one', async () => {
    const answer = await viaProxy(socketPath, `http://127.0.0.1:${webPort}/simple/`, {
      headers: { host: 'attacker.example' },
    });
    assert.equal(answer.status, 200);
    assert.equal(seen.at(-1)!.headers.host, `127.0.0.1:${webPort}`);
  });

  test('a request body is sent on and both directions are counted', async () => {
    const body = 'x'.repeat(5_000);
    const answer = await viaProxy(socketPath, `http://127.0.0.1:${webPort}/upload`, { method: 'POST', body });
    assert.equal(answer.status, 200);
    assert.equal(seen.at(-1)!.body, body);
    const record = proxy.records.at(-1)!;
    assert.deepEqual(
      {
        host: record.host,
        port: record.port,
        method: record.method,
        allowed: record.allowed,
        status: record.status,
      },
      { host: '127.0.0.1', port: webPort, method: 'POST', allowed: true, status: 200 },
    );
    assert.equal(record.bytesUp, 5_000);
    assert.equal(record.bytesDown, Buffer.byteLength(answer.body));
  });

  test('a name listed exactly reaches the address it resolved to (no second lookup)', async () => {
    const answer = await viaProxy(socketPath, `http://mirror.test:${webPort}/`);
    assert.equal(answer.status, 200, answer.body);
    assert.equal(seen.at(-1)!.headers.host, `mirror.test:${webPort}`, 'the Host header is the name');
  });

  test('a host not on the list gets 403 and the one-line reason', async () => {
    const answer = await viaProxy(socketPath, 'http://example.com/');
    assert.equal(answer.status, 403);
    assert.equal(
      answer.body,
      'CodingWorker egress proxy: example.com:80 is not in CW_EGRESS_ALLOW (add it there, or ask the operator)\n',
    );
    const record = proxy.records.at(-1)!;
    assert.equal(record.allowed, false);
    assert.equal(record.reason, answer.body.trim());
  });

  test('an IP literal, localhost and a name resolving to 127.0.0.1 are refused when not listed exactly', async () => {
    const before = seen.length;
    const literal = await viaProxy(socketPath, `http://127.0.0.1:${unlistedPort}/`);
    assert.equal(literal.status, 403);
    assert.match(literal.body, /is not in CW_EGRESS_ALLOW/);
    const v6 = await viaProxy(socketPath, `http://[::1]:${webPort}/`);
    assert.equal(v6.status, 403);
    const local = await viaProxy(socketPath, `http://localhost:${webPort}/`);
    assert.equal(local.status, 403);
    const sneaky = await viaProxy(socketPath, `http://sneaky.example.test:${webPort}/`);
    assert.equal(sneaky.status, 403, 'a port outside the wildcard entry');
    const sneaky80 = await viaProxy(socketPath, 'http://sneaky.example.test/');
    assert.equal(sneaky80.status, 403);
    assert.match(
      sneaky80.body,
      /sneaky\.example\.test:80 resolves to 127\.0\.0\.1, a loopback, private or link-local address/,
    );
    assert.equal(seen.length, before, 'nothing reached the local server');
  });

  test('CONNECT to an allowed destination tunnels bytes both ways and counts them', async () => {
    const { status, socket, head } = await connectVia(socketPath, `127.0.0.1:${echoPort}`);
    assert.equal(status, 200);
    socket.end('ping through the tunnel');
    assert.equal(await readAll(socket, head), 'ping through the tunnel');
    // The record is written when both sides have closed.
    const deadline = Date.now() + 2_000;
    while (
      !proxy.records.some((r) => r.method === 'CONNECT' && r.port === echoPort) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const record = proxy.records.find((r) => r.method === 'CONNECT' && r.port === echoPort)!;
    assert.deepEqual(
      {
        allowed: record.allowed,
        bytesUp: record.bytesUp,
        bytesDown: record.bytesDown,
        status: record.status,
      },
      { allowed: true, bytesUp: 23, bytesDown: 23, status: 200 },
    );
  });

  test('CONNECT to a refused destination gets the same 403 and reason', async () => {
    const { status, socket, head } = await connectVia(socketPath, 'github.com:443');
    assert.equal(status, 403);
    assert.equal(
      await readAll(socket, head),
      'CodingWorker egress proxy: github.com:443 is not in CW_EGRESS_ALLOW (add it there, or ask the operator)\n',
    );
    const local = await connectVia(socketPath, 'localhost:443');
    assert.equal(local.status, 403);
    local.socket.destroy();
    const bracketed = await connectVia(socketPath, `[::1]:${echoPort}`);
    assert.equal(bracketed.status, 403);
    bracketed.socket.destroy();
  });

  test('an idle tunnel is closed', async () => {
    const { status, socket } = await connectVia(socketPath, `127.0.0.1:${echoPort}`);
    assert.equal(status, 200);
    const started = Date.now();
    await once(socket, 'close');
    const waited = Date.now() - started;
    assert.ok(waited >= 300 && waited < 3_000, `closed after ${waited} ms`);
  });

  test('bad requests get 400: an origin-form request, https:// forwarding, CONNECT without a port', async () => {
    const origin = await new Promise<number>((resolve, reject) => {
      request({ socketPath, path: '/just/a/path' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(origin, 400);
    assert.equal((await viaProxy(socketPath, `https://127.0.0.1:${webPort}/`)).status, 400);
    const noPort = await connectVia(socketPath, 'pypi.org');
    assert.equal(noPort.status, 400);
    noPort.socket.destroy();
  });

  test('every request is logged with host, port, verdict and bytes, never a query string or header value', () => {
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const egress = entries.filter((entry) => /^Egress request/.test(String(entry.msg)));
    assert.equal(egress.length, proxy.records.length, 'one log line a request');
    assert.ok(egress.length >= 15, `only ${egress.length} requests logged`);
    for (const key of ['host', 'port', 'allowed', 'bytesUp', 'bytesDown', 'durationMs']) {
      assert.ok(
        egress.every((entry) => key in entry),
        key,
      );
    }
    assert.ok(egress.some((entry) => entry.allowed === false && entry.msg === 'Egress request refused'));
    const text = logLines.join('');
    for (const secret of ['s3cret-query', 's3cret-header', 's3cret-proxy', 'simple/pkg']) {
      assert.ok(!text.includes(secret), `${secret} reached the log`);
    }
  });

  test('close() ends open tunnels and removes the socket file', async () => {
    const { status, socket } = await connectVia(socketPath, `127.0.0.1:${echoPort}`);
    assert.equal(status, 200);
    const closed = once(socket, 'close');
    await proxy.close();
    await closed;
    assert.equal(existsSync(socketPath), false);
  });
});
