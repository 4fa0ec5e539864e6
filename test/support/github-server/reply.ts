// What a route is and what it answers: the route and call types, GitHub's error bodies, and pagination
// with Link headers as GitHub sends them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest, RepositoryState, ServerState, TokenState } from './state.ts';

export interface Call {
  state: ServerState;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  token?: TokenState;
  /** Set (and reachable by the token) for every path with {owner} and {repo}. */
  repository?: RepositoryState;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One served operation; its request and response are checked against the OpenAPI entry `operationId`. */
export interface RouteSpec {
  operationId: string;
  method: string;
  /** The OpenAPI path template, e.g. /repos/{owner}/{repo}. */
  path: string;
  handler: (call: Call) => Promise<Reply> | Reply;
  /** Authenticates with the App's JWT instead of a token. */
  appJwt?: boolean;
}

const DOCS = 'https://docs.github.com/rest';

export const notFound = (): Reply => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: DOCS, status: '404' },
});

export const unprocessable = (errors: unknown[]): Reply => ({
  status: 422,
  body: { message: 'Validation Failed', errors, documentation_url: DOCS },
});

export const forbidden = (message: string): Reply => ({
  status: 403,
  body: { message, documentation_url: DOCS, status: '403' },
});

export const unauthorized = (message: string, status?: '401'): Reply => ({
  status: 401,
  body: { message, documentation_url: DOCS, ...(status ? { status } : {}) },
});

/** One page of `items` (per_page at most 100) and the Link header for the others. */
export function paginate<T>(
  state: ServerState,
  items: T[],
  query: Record<string, string>,
  path: string,
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(query.per_page ?? 30), 100);
  const page = Number(query.page ?? 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const headers: Record<string, string> = {};
  const link = (n: number, rel: string) => {
    const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(n) });
    return `<${state.baseUrl}${path}?${params}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  if (links.length > 0) headers.link = links.join(', ');
  return { items: items.slice((page - 1) * perPage, page * perPage), headers };
}

/** Answers one whole request (API or git); `entry` is its record, which gets the status. */
export type RequestHandler = (
  state: ServerState,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  entry: RecordedRequest,
) => Promise<void>;
