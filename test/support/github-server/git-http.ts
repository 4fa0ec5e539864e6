// Git smart HTTP through the real git http-backend (CGI), behind the same tokens as the API.
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { canReach, credentialOf, tokenState } from './auth.ts';
import { run } from './git.ts';
import type { RequestHandler } from './reply.ts';
import type { RepositoryState, ServerState, TokenState } from './state.ts';

/** Runs http-backend for one request; its exit code and its whole CGI output. */
async function runBackend(
  state: ServerState,
  request: IncomingMessage,
  body: Buffer,
  target: { repo: RepositoryState; rest: string; token: TokenState; query: string },
): Promise<{ code: number; output: Buffer }> {
  const { repo, rest, token, query } = target;
  const { stdout: execPath } = await run('git', ['--exec-path']);
  const child = spawn(join(execPath.trim(), 'git-http-backend'), [], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: state.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: state.root,
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: `/repos/${repo.owner}/${repo.name}.git${rest}`,
      QUERY_STRING: query,
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(body.length),
      REMOTE_USER: token.login,
      REMOTE_ADDR: '127.0.0.1',
      HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
      HTTP_GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
    },
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  // http-backend may exit without reading the whole request (e.g. a refused push); its output says why.
  child.stdin.on('error', () => undefined);
  child.stdin.end(body);
  const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
  return { code, output: Buffer.concat(chunks) };
}

/** A CGI response: its Status and headers, and where the body starts; undefined without a header block. */
function parseCgi(output: Buffer) {
  let split = output.indexOf('\r\n\r\n');
  let separator = 4;
  if (split < 0) {
    split = output.indexOf('\n\n');
    separator = 2;
  }
  if (split < 0) return undefined;
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of output.subarray(0, split).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers, body: output.subarray(split + separator) };
}

export const handleGit: RequestHandler = async (state, request, response, body, entry) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const match = /^\/git\/([^/]+)\/([^/]+?)\.git(\/.*)$/.exec(url.pathname);
  const repo = match ? state.repositories.get(`${match[1]}/${match[2]}`.toLowerCase()) : undefined;
  const token = tokenState(state, credentialOf(request));
  if (!repo || !token || !canReach(state, token, repo)) {
    entry.status = 401;
    response.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' });
    response.end('authentication required\n');
    return;
  }
  const target = { repo, rest: match![3]!, token, query: url.search.slice(1) };
  const { code, output } = await runBackend(state, request, body, target);
  const cgi = parseCgi(output);
  if (code !== 0 && !cgi) {
    entry.status = 500;
    response.writeHead(500).end('git http-backend failed\n');
    return;
  }
  // http-backend always writes a header block when it succeeds; without one the output is the body.
  const { status, headers, body: content } = cgi ?? { status: 200, headers: {}, body: output };
  entry.status = status;
  response.writeHead(status, headers);
  response.end(content);
};
