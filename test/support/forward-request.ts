// The one request forwarder of the test proxies: sends an incoming request on to the upstream server and
// pipes the answer back; an unreachable upstream answers 502. The caller writes (or pipes) the body.
import { type ClientRequest, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';

export function forwardRequest(
  upstream: URL,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): ClientRequest {
  const upstreamRequest = forward(
    {
      hostname: upstream.hostname,
      port: upstream.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...incoming.headers, host: upstream.host },
    },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  upstreamRequest.on('error', () => {
    if (!outgoing.headersSent) outgoing.writeHead(502);
    outgoing.end();
  });
  return upstreamRequest;
}
