// A pass-through HTTP proxy in front of the GitHub test server that can hold chosen requests: the test
// waits until the worker is blocked on, say, "create the pull request", then kills the worker while it
// waits. This is how the end-to-end tests crash the daemon between two GitHub writes without any hook in
// production code. A held request is forwarded when released, or dropped when its client went away.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from './forward-request.ts';

export interface Hold {
  /** Resolves when a matching request arrived and is being held. */
  arrived: Promise<void>;
  /** Forwards every request held so far and stops holding. */
  release(): void;
  /** Drops every request held so far (their clients are gone, e.g. killed) and stops holding. */
  drop(): void;
}

export interface HoldingProxy {
  url: string;
  /** Holds requests whose method, path (with query) and, if given, body match, until released. */
  hold(method: string, path: RegExp, body?: RegExp): Hold;
  close(): Promise<void>;
}

interface HoldRule {
  method: string;
  path: RegExp;
  body: RegExp | undefined;
  held: Array<() => void>;
  released: boolean;
  onArrival: () => void;
}

export async function startHoldingProxy(target: string, port = 0): Promise<HoldingProxy> {
  const upstream = new URL(target);
  const rules: HoldRule[] = [];

  const pass = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer) => {
    if (incoming.socket.destroyed) return;
    forwardRequest(upstream, incoming, outgoing).end(body);
  };

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const rule = rules.find(
        (candidate) =>
          !candidate.released &&
          candidate.method === incoming.method &&
          candidate.path.test(incoming.url ?? '/') &&
          (candidate.body === undefined || candidate.body.test(body.toString('utf8'))),
      );
      if (!rule) return pass(incoming, outgoing, body);
      rule.held.push(() => pass(incoming, outgoing, body));
      rule.onArrival();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold(method, path, body) {
      let onArrival: () => void = () => {};
      const arrived = new Promise<void>((resolve) => {
        onArrival = resolve;
      });
      const rule: HoldRule = { method, path, body, held: [], released: false, onArrival };
      rules.push(rule);
      return {
        arrived,
        release() {
          rule.released = true;
          for (const forwardHeld of rule.held.splice(0)) forwardHeld();
        },
        drop() {
          rule.released = true;
          rule.held.length = 0;
        },
      };
    },
    close: () =>
      new Promise((resolve) => {
        for (const rule of rules) rule.held.length = 0;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
