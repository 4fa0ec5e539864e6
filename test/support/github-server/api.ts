// The REST side: find the route, check the request against GitHub's OpenAPI description, authenticate,
// apply an injected fault, run the handler, and check the response before it is sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CheckedOperation, checkOperations } from '../openapi-validator.ts';
import { appOf, canReach, credentialOf, tokenState } from './auth.ts';
import {
  type Call,
  notFound,
  type Reply,
  type RequestHandler,
  type RouteSpec,
  unauthorized,
} from './reply.ts';
import { actionRoutes } from './routes/actions.ts';
import { checkRoutes } from './routes/checks.ts';
import { issueRoutes } from './routes/issues.ts';
import { pullRoutes } from './routes/pulls.ts';
import { repositoryRoutes } from './routes/repos.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { userAndAppRoutes } from './routes/users-and-apps.ts';
import type { RecordedRequest, ServerState, TokenState } from './state.ts';

/** Only these operations are served; each is validated against its OpenAPI entry. */
const routes: RouteSpec[] = [
  ...userAndAppRoutes,
  ...repositoryRoutes,
  ...issueRoutes,
  ...pullRoutes,
  ...reviewRoutes,
  ...checkRoutes,
  ...actionRoutes,
];

export const checked = checkOperations(
  routes.map(({ operationId, method, path }) => ({ operationId, method, path })),
);

const table = routes.map((route) => {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return { ...route, pattern, names };
});

export function send(response: ServerResponse, reply: Reply, extra: Record<string, string> = {}) {
  const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    ...extra,
    ...reply.headers,
  });
  response.end(text);
}

/** Answers 500 and records the violation: what the fake itself (or its caller) got wrong. */
function refuse(
  state: ServerState,
  response: ServerResponse,
  entry: RecordedRequest,
  problems: string[],
  message: string,
) {
  state.violations.push(...problems);
  entry.status = 500;
  send(response, { status: 500, body: { message } });
}

/** The request body as JSON; a body that is not JSON is a violation (returned as such). */
function parseBody(body: Buffer): { parsed?: unknown; invalid?: true } {
  if (body.length === 0) return {};
  try {
    return { parsed: JSON.parse(body.toString('utf8')) };
  } catch {
    return { invalid: true };
  }
}

/** The caller's identity, or the 401 GitHub answers. */
function authenticate(
  state: ServerState,
  request: IncomingMessage,
  route: RouteSpec,
): { token: TokenState } | { refused: Reply } {
  const credential = credentialOf(request);
  if (route.appJwt) {
    const app = appOf(state, credential);
    if (!app) return { refused: unauthorized('A JSON web token could not be decoded') };
    return { token: { login: app.slug, installationId: app.installationId } };
  }
  const token = tokenState(state, credential);
  return token ? { token } : { refused: unauthorized('Bad credentials', '401') };
}

/** The injected fault's reply, if one is due for this operation. */
function injectedFault(
  state: ServerState,
  operationId: string,
): { reply: Reply; headers: Record<string, string> } | undefined {
  const fault = state.faults.get(operationId);
  if (!fault || fault.remaining <= 0) return undefined;
  fault.remaining -= 1;
  const headers: Record<string, string> = {};
  let message = 'Server Error';
  if (fault.status === 403 || fault.status === 429) {
    if (fault.kind === 'primary') {
      message = 'API rate limit exceeded for installation.';
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + (fault.retryAfter ?? 1));
    } else {
      message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    }
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  }
  return {
    reply: { status: fault.status, body: { message, documentation_url: 'https://docs.github.com/rest' } },
    headers,
  };
}

/** Authenticated and past any fault: the handler's reply (404 for a repository the token cannot see). */
async function dispatch(
  route: RouteSpec,
  call: Call,
): Promise<{ reply: Reply; headers: Record<string, string> }> {
  const { state, params, token } = call;
  const headers: Record<string, string> = {};
  if (params.owner && params.repo) {
    const repo = state.repositories.get(`${params.owner}/${params.repo}`.toLowerCase());
    if (!repo || !canReach(state, token!, repo)) return { reply: notFound(), headers };
    call.repository = repo;
  }
  if (token!.scopes) headers['x-oauth-scopes'] = token!.scopes.join(', ');
  return { reply: await route.handler(call), headers };
}

export const handleApi: RequestHandler = async (state, request, response, body, entry) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const route = table.find(
    (candidate) => candidate.method === method && candidate.pattern.test(url.pathname),
  );
  if (!route) {
    const problem = `no served operation matches ${method} ${url.pathname}`;
    return refuse(
      state,
      response,
      entry,
      [problem],
      `the test server does not serve ${method} ${url.pathname}`,
    );
  }
  entry.operationId = route.operationId;
  const operation = checked.get(route.operationId) as CheckedOperation;
  const match = route.pattern.exec(url.pathname)!;
  const params = Object.fromEntries(
    route.names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]),
  );
  const query = Object.fromEntries(url.searchParams);
  const reply = (result: Reply, extra: Record<string, string> = {}) => {
    const problems = operation.checkResponse(result.status, result.body);
    if (problems.length > 0) {
      state.violations.push(...problems);
      result = {
        status: 500,
        body: { message: `response violates GitHub's OpenAPI description: ${problems[0]}` },
      };
    }
    entry.status = result.status;
    send(response, result, extra);
  };

  const { parsed, invalid } = parseBody(body);
  if (invalid) {
    return refuse(
      state,
      response,
      entry,
      [`${route.operationId}: request body is not JSON`],
      'request body is not JSON',
    );
  }
  const problems = operation.checkRequest({ params, query, body: parsed, hasBody: body.length > 0 });
  if (problems.length > 0) {
    const message = `request violates GitHub's OpenAPI description: ${problems.join('; ')}`;
    return refuse(state, response, entry, problems, message);
  }
  const identity = authenticate(state, request, route);
  if ('refused' in identity) return reply(identity.refused);
  const fault = injectedFault(state, route.operationId);
  if (fault) return reply(fault.reply, fault.headers);
  const call: Call = {
    state,
    params,
    query,
    body: (parsed ?? {}) as Record<string, unknown>,
    token: identity.token,
  };
  const answer = await dispatch(route, call);
  return reply(answer.reply, answer.headers);
};
