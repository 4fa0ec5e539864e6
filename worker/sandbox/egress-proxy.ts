// The setup phase's egress proxy: an HTTP/1.1 forward proxy (absolute-URI requests) and CONNECT tunnels
// on a Unix socket, which the sandbox reaches through socat (egress-env.ts) while its container keeps
// NetworkMode none. Only the allow-list's destinations (egress-allow.ts), each name resolved once and
// connected to by the checked address. node:http and node:net: the npm proxies (TooTallNate's `proxy`)
// connect by host name themselves, so they cannot pin the checked address. docs/sandbox.md.
import { chmod, lstat, unlink } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createEgressPolicy, type Lookup, splitHostPort } from './egress-allow.ts';

export interface EgressRecord {
  host: string;
  port: number;
  allowed: boolean;
  /** Why it was refused or failed (the line the client was sent). */
  reason?: string;
  /** Bytes from the sandbox to the destination (request bodies, tunnel data). */
  bytesUp: number;
  /** Bytes from the destination to the sandbox. */
  bytesDown: number;
  method: 'CONNECT' | string;
  /** HTTP status sent for a forwarded request or a refusal; 200 for an established tunnel. */
  status?: number;
  durationMs: number;
}

export interface EgressProxy {
  socketPath: string;
  /** Every request so far, in the order they ended. */
  records: EgressRecord[];
  /** Stops listening, ends every open connection and removes the socket file. */
  close(): Promise<void>;
}

export interface EgressProxyOptions {
  socketPath: string;
  /** The allow-list in force (CW_EGRESS_ALLOW, or a repository's narrowing of it). */
  allow: string[];
  /** The operator's own list when `allow` was narrowed (egress-allow.ts EgressPolicy). Default: allow. */
  operatorAllow?: string[];
  logger: Logger;
  lookup?: Lookup;
  /** A tunnel or forwarded request with no data either way for this long is closed. Default 60 s. */
  idleTimeoutMs?: number;
}

/** Hop-by-hop headers (RFC 9110 7.6.1) and the proxy's own: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const { socketPath, logger } = options;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const policy = createEgressPolicy(options);
  const records: EgressRecord[] = [];
  const open = new Set<Duplex>();
  const track = (socket: Duplex) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const finish = (record: EgressRecord) => {
    records.push(record);
    // Host and port only: a path's query string or a header value may carry a token.
    const { host, port, allowed, method, status, bytesUp, bytesDown, durationMs, reason } = record;
    logger.info(
      { host, port, method, allowed, status, bytesUp, bytesDown, durationMs, reason },
      allowed ? 'Egress request' : 'Egress request refused',
    );
  };

  const server = createServer({ requestTimeout: 0 });
  server.on('connection', track);
  // A handler that throws ends its own connection, never the worker.
  server.on('request', (request: IncomingMessage, response: ServerResponse) =>
    forward(request, response, { policy, idleMs, finish, track }).catch(() => response.destroy()),
  );
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) =>
    // A CONNECT request's socket is the server's net.Socket (typed Duplex for HTTP/2's sake).
    tunnel(request, client as Socket, head, { policy, idleMs, finish, track }).catch(() => client.destroy()),
  );
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  await removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The container's forwarder runs as another uid than the worker (egress-env.ts).
  await chmod(socketPath, 0o666);
  logger.debug({ socketPath, allow: options.allow.length }, 'Egress proxy listening');

  let closed: Promise<void> | undefined;
  return {
    socketPath,
    records,
    close() {
      closed ??= closeServer(server, open, socketPath);
      return closed;
    },
  };
}

interface Context {
  policy: ReturnType<typeof createEgressPolicy>;
  idleMs: number;
  finish(record: EgressRecord): void;
  track(socket: Duplex): void;
}

/** A socket file left by a killed worker would make listen fail with EADDRINUSE. Anything else stays. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function closeServer(server: Server, open: Set<Duplex>, socketPath: string): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of open) socket.destroy();
  await stopped;
  await unlink(socketPath).catch(() => undefined);
}

/** An absolute-URI request (`GET http://host:port/path`): checked, then sent on to the checked address. */
async function forward(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const started = performance.now();
  const method = request.method ?? 'GET';
  let recorded = false;
  const record = (fields: Partial<EgressRecord> & Pick<EgressRecord, 'host' | 'port' | 'allowed'>) => {
    if (recorded) return;
    recorded = true;
    context.finish({
      method,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: Math.round(performance.now() - started),
      ...fields,
    });
  };

  let target: URL | undefined;
  try {
    target = new URL(request.url ?? '');
  } catch {
    // An origin-form request (`GET /path`) is for a web server, not a forward proxy.
  }
  if (target?.protocol !== 'http:' || !target.hostname) {
    const reason = 'CodingWorker egress proxy: send absolute http:// URLs here, and https through CONNECT';
    refuse(response, 400, reason);
    record({ host: target?.hostname ?? '', port: 0, allowed: false, status: 400, reason });
    return;
  }
  const host = target.hostname;
  const port = target.port ? Number(target.port) : 80;
  const verdict = await context.policy.check(host, port);
  if (!verdict.allowed) {
    refuse(response, verdict.status, verdict.reason);
    record({ host, port, allowed: false, status: verdict.status, reason: verdict.reason });
    return;
  }

  let bytesUp = 0;
  let bytesDown = 0;
  const upstream = httpRequest({
    host: verdict.address,
    port,
    method,
    path: `${target.pathname}${target.search}`,
    // The Host the allow-list checked, never the client's own: a forged Host would reach any other site
    // served from the same CDN address as an allowed registry.
    headers: { ...forwardedHeaders(request.headers), host: target.host },
    agent: false,
    setHost: false,
  });
  upstream.on('socket', context.track);
  upstream.setTimeout(context.idleMs, () => upstream.destroy(new Error('idle timeout')));
  request.on('data', (chunk: Buffer) => {
    bytesUp += chunk.length;
  });
  request.pipe(upstream);

  upstream.on('response', (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedHeaders(answer.headers));
    answer.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
    });
    answer.pipe(response);
    answer.on('error', () => response.destroy());
    // 'close', not 'end': a client that leaves mid-download is recorded too.
    response.on('close', () =>
      record({ host, port, allowed: true, status: answer.statusCode, bytesUp, bytesDown }),
    );
  });
  upstream.on('error', (error) => {
    const reason = `CodingWorker egress proxy: ${host}:${port} failed (${(error as NodeJS.ErrnoException).code ?? error.message})`;
    if (!response.headersSent) refuse(response, 502, reason);
    else response.destroy();
    record({ host, port, allowed: true, status: 502, reason, bytesUp, bytesDown });
  });
}

/** A CONNECT tunnel (https): checked, then raw bytes both ways to the checked address. */
async function tunnel(
  request: IncomingMessage,
  client: Socket,
  head: Buffer,
  context: Context,
): Promise<void> {
  const started = performance.now();
  let bytesUp = head.length;
  let bytesDown = 0;
  let recorded = false;
  const record = (fields: Partial<EgressRecord> & Pick<EgressRecord, 'host' | 'port' | 'allowed'>) => {
    if (recorded) return;
    recorded = true;
    context.finish({
      method: 'CONNECT',
      bytesUp,
      bytesDown,
      durationMs: Math.round(performance.now() - started),
      ...fields,
    });
  };
  client.on('error', () => client.destroy());

  const split = splitHostPort(request.url ?? '');
  if (!split || split.port === undefined) {
    const reason = 'CodingWorker egress proxy: CONNECT needs host:port';
    refuseRaw(client, 400, reason);
    record({ host: split?.host ?? '', port: 0, allowed: false, status: 400, reason });
    return;
  }
  const host = split.host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const { port } = split;
  const verdict = await context.policy.check(split.host, port);
  if (!verdict.allowed) {
    refuseRaw(client, verdict.status, verdict.reason);
    record({ host, port, allowed: false, status: verdict.status, reason: verdict.reason });
    return;
  }

  const upstream: Socket = connect({ host: verdict.address, port });
  context.track(upstream);
  let established = false;
  upstream.once('connect', () => {
    established = true;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    // Counted from here on: a listener added before would set the client flowing into nowhere.
    client.on('data', (chunk: Buffer) => {
      bytesUp += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  // Both directions count as activity: a long download with nothing sent up is not idle.
  for (const socket of [client, upstream]) {
    socket.setTimeout(context.idleMs, () => {
      client.destroy();
      upstream.destroy();
    });
  }
  upstream.on('error', (error) => {
    const reason = `CodingWorker egress proxy: ${host}:${port} failed (${(error as NodeJS.ErrnoException).code ?? error.message})`;
    if (!established) {
      refuseRaw(client, 502, reason);
      record({ host, port, allowed: true, status: 502, reason });
    }
    client.destroy();
  });
  const ended = () => {
    record(
      established
        ? { host, port, allowed: true, status: 200 }
        : { host, port, allowed: true, reason: 'the client left before the tunnel was open' },
    );
    client.destroy();
    upstream.destroy();
  };
  upstream.on('close', ended);
  client.on('close', ended);
}

function forwardedHeaders(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  // Headers named in Connection are hop-by-hop too (RFC 9110 7.6.1).
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/** The one-line reason, as the body of a plain-text answer: pip and npm print it. */
function refuse(response: ServerResponse, status: number, reason: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  response.end(`${reason}\n`);
}

function refuseRaw(client: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  const title = status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway';
  client.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
