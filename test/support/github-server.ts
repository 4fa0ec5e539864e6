// A GitHub REST test server on 127.0.0.1 with real git over smart HTTP (git http-backend).
// Every request it receives and every response it returns is checked against GitHub's OpenAPI
// description (openapi-validator.ts); a mismatch answers 500 and is recorded in `violations`, which
// tests assert is empty — so the fake cannot drift from GitHub. State lives in memory and can be
// seeded and inspected; faults (5xx, 403/429 rate limits with Retry-After) can be injected per operation.
import { execFile, spawn } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type CheckedOperation, checkOperations, placeholderFor } from './openapi-validator.ts';

const run = promisify(execFile);

export type Role = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  /** Headers with the authorization value replaced by "[redacted]". */
  headers: Record<string, string>;
  body: string;
  operationId?: string;
  status?: number;
}

export interface IssueState {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  user: string;
}

export interface CommentState {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface PullState {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  user: string;
  createdAt: string;
}

export interface StatusState {
  sha: string;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
}

export interface CheckRunState {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  title: string | null;
  summary: string | null;
  detailsUrl: string | null;
}

export interface RepositoryState {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  /** login -> role (what repository settings call the collaborator's role). */
  collaborators: Map<string, Role>;
  issues: Map<number, IssueState>;
  comments: CommentState[];
  pulls: PullState[];
  statuses: StatusState[];
  checkRuns: CheckRunState[];
  /** The bare repository served over git http-backend. */
  gitDir: string;
}

interface TokenState {
  login: string;
  /** Classic PAT scopes sent back in X-OAuth-Scopes; undefined for installation tokens. */
  scopes?: string[];
  installationId?: number;
  /** Installation tokens may be limited to some repositories (names). */
  repositories?: string[];
  expiresAt?: Date;
}

interface AppState {
  appId: number;
  slug: string;
  publicKey: ReturnType<typeof createPublicKey>;
  installationId: number;
  account: string;
}

export interface Fault {
  status: number;
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** Seconds sent as Retry-After (403/429). */
  retryAfter?: number;
  /** For 403/429: a secondary rate limit (message) or a primary one (x-ratelimit-remaining: 0). */
  kind?: 'secondary' | 'primary';
}

interface Route {
  operationId: string;
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  handler: (call: Call) => Promise<Reply> | Reply;
  /** Authenticates with the App's JWT instead of a token. */
  appJwt?: boolean;
}

interface Call {
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  token?: TokenState;
  repository?: RepositoryState;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ROLE_RANK: Record<Role, number> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export interface GitHubServer {
  /** The API root: GITHUB_API_URL. */
  url: string;
  /** Every request received, in order, without authorization values. */
  requests: RecordedRequest[];
  /** OpenAPI mismatches found in requests and responses. Tests assert this stays empty. */
  violations: string[];
  addUser(login: string, type?: 'User' | 'Bot'): void;
  /** A personal access token for a user (created if needed). */
  addToken(token: string, login: string, scopes?: string[]): void;
  /** A GitHub App with one installation; the key is the PEM of the App's private key. */
  addApp(options: { appId: number; privateKey: string; installationId: number; account: string }): void;
  addRepository(options: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    files?: Record<string, string>;
  }): Promise<RepositoryState>;
  repository(fullName: string): RepositoryState;
  addIssue(
    fullName: string,
    issue: Partial<Omit<IssueState, 'number'>> & { title: string; user?: string },
  ): IssueState;
  setRole(fullName: string, login: string, role: Role | undefined): void;
  /** The commit a branch points at in the bare repository, or undefined. */
  branchSha(fullName: string, branch: string): Promise<string | undefined>;
  /** Makes the next `times` requests to an operation (operationId, e.g. "issues/create-comment") fail. */
  failNext(operationId: string, fault: Fault): void;
  close(): Promise<void>;
}

export async function startGitHubServer(): Promise<GitHubServer> {
  const root = await mkdtemp(join(tmpdir(), 'cw-github-'));
  const repositories = new Map<string, RepositoryState>();
  const users = new Map<string, { id: number; login: string; type: 'User' | 'Bot' }>();
  const tokens = new Map<string, TokenState>();
  const apps = new Map<number, AppState>();
  const faults = new Map<string, Fault & { remaining: number }>();
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  let nextId = 1000;
  let baseUrl = '';
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  const addUser = (login: string, type: 'User' | 'Bot' = 'User') => {
    if (!users.has(login.toLowerCase())) users.set(login.toLowerCase(), { id: nextId++, login, type });
  };

  // ---- object builders: the fields that matter are real, the rest are schema placeholders ----
  const userObject = (login: string) => {
    addUser(login);
    const user = users.get(login.toLowerCase())!;
    return {
      ...placeholderFor('simple-user', baseUrl),
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      type: user.type,
      url: `${baseUrl}/users/${encodeURIComponent(user.login)}`,
      html_url: `${baseUrl}/${encodeURIComponent(user.login)}`,
      site_admin: false,
    };
  };
  const repositoryFields = (repo: RepositoryState) => ({
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userObject(repo.owner),
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    default_branch: repo.defaultBranch,
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}`,
    clone_url: `${baseUrl}/git/${repo.owner}/${repo.name}.git`,
    archived: false,
    disabled: false,
    fork: false,
  });
  const repositoryObject = (repo: RepositoryState, schema: 'repository' | 'full-repository') => ({
    ...placeholderFor(schema, baseUrl),
    ...repositoryFields(repo),
    ...(schema === 'full-repository' ? { network_count: 0, subscribers_count: 0 } : {}),
  });
  const labelObject = (name: string) => ({
    id: [...name].reduce((sum, char) => sum * 31 + char.charCodeAt(0), 7) % 1_000_000,
    node_id: `LA_${name}`,
    url: `${baseUrl}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: 'ededed',
    default: false,
  });
  const issueObject = (repo: RepositoryState, issue: IssueState) => {
    const api = `${baseUrl}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`;
    return {
      ...placeholderFor('issue', baseUrl),
      id: issue.number + 500_000,
      node_id: `I_${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      labels: issue.labels.map(labelObject),
      user: userObject(issue.user),
      url: api,
      html_url: `${baseUrl}/${repo.owner}/${repo.name}/issues/${issue.number}`,
      comments: repo.comments.filter((comment) => comment.issueNumber === issue.number).length,
      locked: false,
      closed_at: issue.state === 'closed' ? now() : null,
    };
  };
  const commentObject = (repo: RepositoryState, comment: CommentState) => ({
    ...placeholderFor('issue-comment', baseUrl),
    id: comment.id,
    node_id: `IC_${comment.id}`,
    body: comment.body,
    user: userObject(comment.user),
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${baseUrl}/repos/${repo.owner}/${repo.name}/issues/${comment.issueNumber}`,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: associationOf(repo, comment.user),
  });
  const associationOf = (repo: RepositoryState, login: string) => {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
    return repo.collaborators.has(login.toLowerCase()) ? 'COLLABORATOR' : 'NONE';
  };
  const pullObject = async (
    repo: RepositoryState,
    pull: PullState,
    schema: 'pull-request' | 'pull-request-simple',
  ) => {
    const side = async (ref: string) => ({
      label: `${repo.owner}:${ref}`,
      ref,
      sha: (await branchSha(repo, ref)) ?? '0'.repeat(40),
      user: userObject(repo.owner),
      repo: repositoryObject(repo, 'repository'),
    });
    return {
      ...placeholderFor(schema, baseUrl),
      id: pull.number + 900_000,
      node_id: `PR_${pull.number}`,
      number: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      draft: pull.draft,
      locked: false,
      merged: pull.merged,
      merged_at: pull.merged ? now() : null,
      closed_at: pull.state === 'closed' ? now() : null,
      created_at: pull.createdAt,
      updated_at: pull.createdAt,
      user: userObject(pull.user),
      head: await side(pull.head),
      base: await side(pull.base),
      labels: [],
      url: `${baseUrl}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`,
      html_url: `${baseUrl}/${repo.owner}/${repo.name}/pull/${pull.number}`,
    };
  };

  // ---- git ----
  const git = (cwd: string, args: string[]) =>
    run('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: root,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Seed',
        GIT_AUTHOR_EMAIL: 'seed@example.com',
        GIT_COMMITTER_NAME: 'Seed',
        GIT_COMMITTER_EMAIL: 'seed@example.com',
      },
    });
  const branchSha = async (repo: RepositoryState, branch: string) => {
    try {
      const { stdout } = await git(repo.gitDir, [
        'rev-parse',
        '--verify',
        '--quiet',
        `refs/heads/${branch}^{commit}`,
      ]);
      return stdout.trim() || undefined;
    } catch {
      return undefined;
    }
  };

  // ---- pagination ----
  const paginate = <T>(items: T[], query: Record<string, string>, path: string) => {
    const perPage = Math.min(Number(query.per_page ?? 30), 100);
    const page = Number(query.page ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {};
    const link = (n: number, rel: string) => {
      const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(n) });
      return `<${baseUrl}${path}?${params}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    if (links.length > 0) headers.link = links.join(', ');
    return { items: items.slice((page - 1) * perPage, page * perPage), headers };
  };

  const notFound = (): Reply => ({
    status: 404,
    body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
  });
  const unprocessable = (errors: unknown[]): Reply => ({
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: 'https://docs.github.com/rest' },
  });
  const forbidden = (message: string): Reply => ({
    status: 403,
    body: { message, documentation_url: 'https://docs.github.com/rest', status: '403' },
  });

  const headOf = (raw: string, repo: RepositoryState) =>
    raw.includes(':')
      ? raw.split(':')[0]!.toLowerCase() === repo.owner.toLowerCase()
        ? raw.split(':')[1]!
        : ''
      : raw;

  // ---- routes: only these operations are served; each is validated against its OpenAPI entry ----
  const routes: Array<Omit<Route, 'pattern' | 'names'>> = [
    {
      operationId: 'users/get-authenticated',
      method: 'GET',
      path: '/user',
      handler: ({ token }) => {
        if (token?.installationId) return forbidden('Resource not accessible by integration');
        return {
          status: 200,
          body: { ...placeholderFor('private-user', baseUrl), ...userObject(token!.login) },
        };
      },
    },
    {
      operationId: 'users/get-by-username',
      method: 'GET',
      path: '/users/{username}',
      handler: ({ params }) => {
        const user = users.get(params.username!.toLowerCase());
        if (!user) return notFound();
        return {
          status: 200,
          body: { ...placeholderFor('public-user', baseUrl), ...userObject(user.login) },
        };
      },
    },
    {
      operationId: 'apps/get-authenticated',
      method: 'GET',
      path: '/app',
      appJwt: true,
      handler: ({ token }) => {
        const app = apps.get(token!.installationId!)!;
        return {
          status: 200,
          body: {
            ...placeholderFor('integration', baseUrl),
            id: app.appId,
            slug: app.slug,
            name: app.slug,
            owner: userObject(app.account),
            permissions: { issues: 'write', pull_requests: 'write', contents: 'write', checks: 'write' },
            events: [],
          },
        };
      },
    },
    {
      operationId: 'apps/create-installation-access-token',
      method: 'POST',
      path: '/app/installations/{installation_id}/access_tokens',
      appJwt: true,
      handler: ({ token, params, body }) => {
        const app = [...apps.values()].find(
          (candidate) => candidate.installationId === Number(params.installation_id),
        );
        if (!app || app.appId !== apps.get(token!.installationId!)?.appId) return notFound();
        const names = body.repositories as string[] | undefined;
        for (const name of names ?? []) {
          if (!repositories.has(`${app.account}/${name}`.toLowerCase())) {
            return unprocessable([{ resource: 'Installation', field: 'repositories', code: 'invalid' }]);
          }
        }
        const value = `ghs_${randomBytes(18).toString('hex')}`;
        const expiresAt = new Date(Date.now() + 3_600_000);
        tokens.set(value, {
          login: `${app.slug}[bot]`,
          installationId: app.installationId,
          repositories: names,
          expiresAt,
        });
        addUser(`${app.slug}[bot]`, 'Bot');
        const permissions = { issues: 'write', pull_requests: 'write', contents: 'write', checks: 'write' };
        return {
          status: 201,
          body: {
            token: value,
            expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            permissions,
            repository_selection: names ? 'selected' : 'all',
            ...(names
              ? {
                  repositories: names.map((name) =>
                    repositoryObject(repositories.get(`${app.account}/${name}`.toLowerCase())!, 'repository'),
                  ),
                }
              : {}),
          },
        };
      },
    },
    {
      operationId: 'apps/list-repos-accessible-to-installation',
      method: 'GET',
      path: '/installation/repositories',
      handler: ({ token }) => {
        if (!token?.installationId) return forbidden('This endpoint requires an installation token');
        const app = [...apps.values()].find(
          (candidate) => candidate.installationId === token.installationId,
        )!;
        const visible = [...repositories.values()].filter(
          (repo) =>
            repo.owner.toLowerCase() === app.account.toLowerCase() &&
            (!token.repositories || token.repositories.includes(repo.name)),
        );
        return {
          status: 200,
          body: {
            total_count: visible.length,
            repositories: visible.map((repo) => repositoryObject(repo, 'repository')),
          },
        };
      },
    },
    {
      operationId: 'repos/get',
      method: 'GET',
      path: '/repos/{owner}/{repo}',
      handler: ({ repository }) => ({ status: 200, body: repositoryObject(repository!, 'full-repository') }),
    },
    {
      operationId: 'repos/get-branch',
      method: 'GET',
      path: '/repos/{owner}/{repo}/branches/{branch}',
      handler: async ({ repository, params }) => {
        const sha = await branchSha(repository!, params.branch!);
        if (!sha) return notFound();
        const commitUrl = `${baseUrl}/repos/${repository!.owner}/${repository!.name}/commits/${sha}`;
        return {
          status: 200,
          body: {
            ...placeholderFor('branch-with-protection', baseUrl),
            name: params.branch,
            commit: { ...placeholderFor('commit', baseUrl), sha, url: commitUrl, parents: [], files: [] },
            protected: false,
          },
        };
      },
    },
    {
      operationId: 'repos/get-collaborator-permission-level',
      method: 'GET',
      path: '/repos/{owner}/{repo}/collaborators/{username}/permission',
      handler: ({ repository, params }) => {
        const login = params.username!;
        if (!users.has(login.toLowerCase())) return notFound();
        const role =
          login.toLowerCase() === repository!.owner.toLowerCase()
            ? 'admin'
            : repository!.collaborators.get(login.toLowerCase());
        // The legacy `permission` folds maintain into write and triage into read, as GitHub does;
        // role_name carries the real role.
        const permission = !role ? 'none' : role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return {
          status: 200,
          body: {
            permission,
            role_name: role ?? 'none',
            user: {
              ...placeholderFor('collaborator', baseUrl),
              ...userObject(login),
              permissions: {
                pull: Boolean(role),
                triage: Boolean(role) && ROLE_RANK[role!] >= 2,
                push: Boolean(role) && ROLE_RANK[role!] >= 3,
                maintain: Boolean(role) && ROLE_RANK[role!] >= 4,
                admin: role === 'admin',
              },
              role_name: role ?? 'none',
            },
          },
        };
      },
    },
    {
      operationId: 'issues/get',
      method: 'GET',
      path: '/repos/{owner}/{repo}/issues/{issue_number}',
      handler: ({ repository, params }) => {
        const issue = repository!.issues.get(Number(params.issue_number));
        return issue ? { status: 200, body: issueObject(repository!, issue) } : notFound();
      },
    },
    {
      operationId: 'issues/list-comments',
      method: 'GET',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      handler: ({ repository, params, query }) => {
        const repo = repository!;
        const number = Number(params.issue_number);
        if (!repo.issues.has(number)) return notFound();
        const all = repo.comments.filter((comment) => comment.issueNumber === number);
        const { items, headers } = paginate(
          all,
          query,
          `/repos/${repo.owner}/${repo.name}/issues/${number}/comments`,
        );
        return { status: 200, body: items.map((comment) => commentObject(repo, comment)), headers };
      },
    },
    {
      operationId: 'issues/create-comment',
      method: 'POST',
      path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      handler: ({ repository, params, body, token }) => {
        const repo = repository!;
        const number = Number(params.issue_number);
        if (!repo.issues.has(number)) return notFound();
        const comment: CommentState = {
          id: nextId++,
          issueNumber: number,
          body: String(body.body),
          user: token!.login,
          createdAt: now(),
          updatedAt: now(),
        };
        repo.comments.push(comment);
        return { status: 201, body: commentObject(repo, comment) };
      },
    },
    {
      operationId: 'issues/get-comment',
      method: 'GET',
      path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      handler: ({ repository, params }) => {
        const comment = repository!.comments.find((candidate) => candidate.id === Number(params.comment_id));
        return comment ? { status: 200, body: commentObject(repository!, comment) } : notFound();
      },
    },
    {
      operationId: 'issues/update-comment',
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
      handler: ({ repository, params, body }) => {
        const comment = repository!.comments.find((candidate) => candidate.id === Number(params.comment_id));
        if (!comment) return notFound();
        comment.body = String(body.body);
        comment.updatedAt = now();
        return { status: 200, body: commentObject(repository!, comment) };
      },
    },
    {
      operationId: 'pulls/list',
      method: 'GET',
      path: '/repos/{owner}/{repo}/pulls',
      handler: async ({ repository, query }) => {
        const repo = repository!;
        const state = query.state ?? 'open';
        const matching = repo.pulls
          .filter((pull) => state === 'all' || pull.state === state)
          .filter((pull) => !query.head || pull.head === headOf(query.head, repo))
          .filter((pull) => !query.base || pull.base === query.base)
          .sort((a, b) => b.number - a.number);
        const { items, headers } = paginate(matching, query, `/repos/${repo.owner}/${repo.name}/pulls`);
        const body = await Promise.all(items.map((pull) => pullObject(repo, pull, 'pull-request-simple')));
        return { status: 200, body, headers };
      },
    },
    {
      operationId: 'pulls/create',
      method: 'POST',
      path: '/repos/{owner}/{repo}/pulls',
      handler: async ({ repository, body, token }) => {
        const repo = repository!;
        const head = headOf(String(body.head), repo);
        const base = String(body.base);
        if (!head || !(await branchSha(repo, head))) {
          return unprocessable([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        }
        if (!(await branchSha(repo, base))) {
          return unprocessable([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        }
        if (repo.pulls.some((pull) => pull.state === 'open' && pull.head === head && pull.base === base)) {
          return unprocessable([
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${repo.owner}:${head}.`,
            },
          ]);
        }
        const pull: PullState = {
          number: nextIssueNumber(repo),
          title: String(body.title),
          body: typeof body.body === 'string' ? body.body : '',
          head,
          base,
          state: 'open',
          draft: body.draft === true,
          merged: false,
          user: token!.login,
          createdAt: now(),
        };
        repo.pulls.push(pull);
        return { status: 201, body: await pullObject(repo, pull, 'pull-request') };
      },
    },
    {
      operationId: 'pulls/update',
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}',
      handler: async ({ repository, params, body }) => {
        const pull = repository!.pulls.find((candidate) => candidate.number === Number(params.pull_number));
        if (!pull) return notFound();
        if (typeof body.title === 'string') pull.title = body.title;
        if (typeof body.body === 'string') pull.body = body.body;
        if (body.state === 'open' || body.state === 'closed') pull.state = body.state;
        return { status: 200, body: await pullObject(repository!, pull, 'pull-request') };
      },
    },
    {
      operationId: 'pulls/list-commits',
      method: 'GET',
      path: '/repos/{owner}/{repo}/pulls/{pull_number}/commits',
      handler: async ({ repository, params, query }) => {
        const repo = repository!;
        const pull = repo.pulls.find((candidate) => candidate.number === Number(params.pull_number));
        if (!pull) return notFound();
        const { stdout } = await git(repo.gitDir, [
          'log',
          '--reverse',
          '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%B%x1e',
          `refs/heads/${pull.base}..refs/heads/${pull.head}`,
        ]).catch(() => ({ stdout: '' }));
        const commits = stdout
          .split('\x1e')
          .map((record) => record.replace(/^\n/, ''))
          .filter((record) => record.includes('\0'))
          .map((record) => {
            const [sha, parents, name, email, date, message] = record.split('\0') as string[];
            const url = `${baseUrl}/repos/${repo.owner}/${repo.name}/commits/${sha}`;
            const person = {
              name,
              email,
              date: date!.replace(/([+-]\d\d:\d\d)$/, (zone) => (zone === '+00:00' ? 'Z' : zone)),
            };
            return {
              ...placeholderFor('commit', baseUrl),
              sha,
              node_id: `C_${sha}`,
              url,
              html_url: url,
              comments_url: `${url}/comments`,
              author: null,
              committer: null,
              parents: parents!
                .split(' ')
                .filter(Boolean)
                .map((parent) => ({ sha: parent, url })),
              commit: {
                ...((placeholderFor('commit', baseUrl) as { commit: Record<string, unknown> }).commit ?? {}),
                url,
                author: person,
                committer: person,
                message: message!.trimEnd(),
                comment_count: 0,
                tree: { sha: '0'.repeat(40), url },
              },
            };
          });
        const { items, headers } = paginate(
          commits,
          query,
          `/repos/${repo.owner}/${repo.name}/pulls/${pull.number}/commits`,
        );
        return { status: 200, body: items, headers };
      },
    },
    {
      operationId: 'repos/create-commit-status',
      method: 'POST',
      path: '/repos/{owner}/{repo}/statuses/{sha}',
      handler: ({ repository, params, body, token }) => {
        const status: StatusState = {
          sha: params.sha!,
          state: String(body.state),
          context: typeof body.context === 'string' ? body.context : 'default',
          description: typeof body.description === 'string' ? body.description : null,
          targetUrl: typeof body.target_url === 'string' ? body.target_url : null,
        };
        repository!.statuses.push(status);
        const id = nextId++;
        return {
          status: 201,
          body: {
            ...placeholderFor('status', baseUrl),
            id,
            node_id: `SC_${id}`,
            state: status.state,
            context: status.context,
            description: status.description,
            target_url: status.targetUrl,
            creator: userObject(token!.login),
            created_at: now(),
            updated_at: now(),
          },
        };
      },
    },
    {
      operationId: 'checks/create',
      method: 'POST',
      path: '/repos/{owner}/{repo}/check-runs',
      handler: ({ repository, body, token }) => {
        // Only GitHub Apps may write check runs (GitHub docs, "check runs").
        if (!token?.installationId) return forbidden('You must authenticate via a GitHub App.');
        const output = (body.output ?? {}) as Record<string, unknown>;
        const run: CheckRunState = {
          id: nextId++,
          name: String(body.name),
          headSha: String(body.head_sha),
          status: typeof body.status === 'string' ? body.status : 'queued',
          conclusion: typeof body.conclusion === 'string' ? body.conclusion : null,
          title: typeof output.title === 'string' ? output.title : null,
          summary: typeof output.summary === 'string' ? output.summary : null,
          detailsUrl: typeof body.details_url === 'string' ? body.details_url : null,
        };
        if (run.conclusion) run.status = 'completed';
        repository!.checkRuns.push(run);
        return { status: 201, body: checkRunObject(repository!, run) };
      },
    },
    {
      operationId: 'checks/list-for-ref',
      method: 'GET',
      path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      handler: ({ repository, params, query }) => {
        const runs = repository!.checkRuns.filter(
          (run) => run.headSha === params.ref && (!query.check_name || run.name === query.check_name),
        );
        const { items, headers } = paginate(
          runs,
          query,
          `/repos/${repository!.owner}/${repository!.name}/commits/${params.ref}/check-runs`,
        );
        return {
          status: 200,
          body: {
            total_count: runs.length,
            check_runs: items.map((run) => checkRunObject(repository!, run)),
          },
          headers,
        };
      },
    },
    {
      operationId: 'checks/update',
      method: 'PATCH',
      path: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      handler: ({ repository, params, body, token }) => {
        if (!token?.installationId) return forbidden('You must authenticate via a GitHub App.');
        const run = repository!.checkRuns.find((candidate) => candidate.id === Number(params.check_run_id));
        if (!run) return notFound();
        const output = (body.output ?? {}) as Record<string, unknown>;
        if (typeof body.status === 'string') run.status = body.status;
        if (typeof body.conclusion === 'string') {
          run.conclusion = body.conclusion;
          run.status = 'completed';
        }
        if (typeof output.title === 'string') run.title = output.title;
        if (typeof output.summary === 'string') run.summary = output.summary;
        if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
        return { status: 200, body: checkRunObject(repository!, run) };
      },
    },
  ];

  const checkRunObject = (repo: RepositoryState, run: CheckRunState) => ({
    ...placeholderFor('check-run', baseUrl),
    id: run.id,
    node_id: `CR_${run.id}`,
    name: run.name,
    head_sha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    details_url: run.detailsUrl,
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}/runs/${run.id}`,
    started_at: now(),
    completed_at: run.conclusion ? now() : null,
    output: {
      title: run.title,
      summary: run.summary,
      text: null,
      annotations_count: 0,
      annotations_url: baseUrl,
    },
    app: null,
    pull_requests: [],
  });

  const nextIssueNumber = (repo: RepositoryState) =>
    Math.max(0, ...repo.issues.keys(), ...repo.pulls.map((pull) => pull.number)) + 1;

  const checked = checkOperations(
    routes.map(({ operationId, method, path }) => ({ operationId, method, path })),
  );
  const table: Route[] = routes.map((route) => {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    return { ...route, pattern, names };
  });

  // ---- authentication ----
  const credentialOf = (request: IncomingMessage): string | undefined => {
    const header = request.headers.authorization;
    if (!header) return undefined;
    const [scheme, value] = header.split(/\s+/, 2);
    if (!value) return undefined;
    if (/^basic$/i.test(scheme!)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      return decoded.slice(decoded.indexOf(':') + 1);
    }
    return /^(token|bearer)$/i.test(scheme!) ? value : undefined;
  };
  const tokenState = (credential: string | undefined): TokenState | undefined => {
    if (!credential) return undefined;
    const state = tokens.get(credential);
    if (!state || (state.expiresAt && state.expiresAt.getTime() < Date.now())) return undefined;
    return state;
  };
  /** A JWT signed by a registered App's key (RS256, unexpired): the App itself, as GitHub checks it. */
  const appOf = (credential: string | undefined): AppState | undefined => {
    const parts = credential?.split('.');
    if (parts?.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
        iss?: string | number;
        exp?: number;
        iat?: number;
      };
      const app = [...apps.values()].find((candidate) => String(candidate.appId) === String(claims.iss));
      if (!app || header.alg !== 'RS256') return undefined;
      const signed = verify(
        'RSA-SHA256',
        Buffer.from(`${parts[0]}.${parts[1]}`),
        app.publicKey,
        Buffer.from(parts[2]!, 'base64url'),
      );
      const seconds = Date.now() / 1000;
      if (!signed || !claims.exp || claims.exp < seconds || !claims.iat || claims.exp - claims.iat > 600)
        return undefined;
      return app;
    } catch {
      return undefined;
    }
  };
  const canReach = (token: TokenState, repo: RepositoryState) => {
    if (token.installationId) {
      const app = [...apps.values()].find((candidate) => candidate.installationId === token.installationId);
      if (!app || app.account.toLowerCase() !== repo.owner.toLowerCase()) return false;
      return !token.repositories || token.repositories.includes(repo.name);
    }
    return (
      !repo.private ||
      repo.owner.toLowerCase() === token.login.toLowerCase() ||
      repo.collaborators.has(token.login.toLowerCase())
    );
  };

  const recordRequest = (request: IncomingMessage, body: Buffer): RecordedRequest => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      headers[name] =
        name === 'authorization' ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    }
    const entry: RecordedRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers,
      body: body.toString('latin1'),
    };
    requests.push(entry);
    return entry;
  };

  const send = (response: ServerResponse, reply: Reply, extra: Record<string, string> = {}) => {
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
  };

  const handleApi = async (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    entry: RecordedRequest,
  ) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const route = table.find(
      (candidate) => candidate.method === method && candidate.pattern.test(url.pathname),
    );
    if (!route) {
      violations.push(`no served operation matches ${method} ${url.pathname}`);
      send(response, {
        status: 500,
        body: { message: `the test server does not serve ${method} ${url.pathname}` },
      });
      entry.status = 500;
      return;
    }
    entry.operationId = route.operationId;
    const operation = checked.get(route.operationId) as CheckedOperation;
    const match = route.pattern.exec(url.pathname)!;
    const params = Object.fromEntries(
      route.names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]),
    );
    const query = Object.fromEntries(url.searchParams);
    const reply = async (result: Reply, extra: Record<string, string> = {}) => {
      const problems = operation.checkResponse(result.status, result.body);
      if (problems.length > 0) {
        violations.push(...problems);
        result = {
          status: 500,
          body: { message: `response violates GitHub's OpenAPI description: ${problems[0]}` },
        };
      }
      entry.status = result.status;
      send(response, result, extra);
    };

    let parsed: unknown;
    const hasBody = body.length > 0;
    if (hasBody) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        violations.push(`${route.operationId}: request body is not JSON`);
        entry.status = 500;
        return send(response, { status: 500, body: { message: 'request body is not JSON' } });
      }
    }
    const problems = operation.checkRequest({ params, query, body: parsed, hasBody });
    if (problems.length > 0) {
      violations.push(...problems);
      entry.status = 500;
      return send(response, {
        status: 500,
        body: { message: `request violates GitHub's OpenAPI description: ${problems.join('; ')}` },
      });
    }

    const credential = credentialOf(request);
    let token: TokenState | undefined;
    if (route.appJwt) {
      const app = appOf(credential);
      if (!app) {
        return reply({
          status: 401,
          body: {
            message: 'A JSON web token could not be decoded',
            documentation_url: 'https://docs.github.com/rest',
          },
        });
      }
      token = { login: app.slug, installationId: app.installationId };
    } else {
      token = tokenState(credential);
      if (!token) {
        return reply({
          status: 401,
          body: {
            message: 'Bad credentials',
            documentation_url: 'https://docs.github.com/rest',
            status: '401',
          },
        });
      }
    }

    const fault = faults.get(route.operationId);
    if (fault && fault.remaining > 0) {
      fault.remaining -= 1;
      const headers: Record<string, string> = {};
      let message = 'Server Error';
      if (fault.status === 403 || fault.status === 429) {
        if (fault.kind === 'primary') {
          message = 'API rate limit exceeded for installation.';
          headers['x-ratelimit-remaining'] = '0';
          headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + (fault.retryAfter ?? 1));
        } else {
          message =
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
        }
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      }
      return reply(
        { status: fault.status, body: { message, documentation_url: 'https://docs.github.com/rest' } },
        headers,
      );
    }

    const call: Call = { params, query, body: (parsed ?? {}) as Record<string, unknown>, token };
    if (params.owner && params.repo) {
      const repo = repositories.get(`${params.owner}/${params.repo}`.toLowerCase());
      if (!repo || !canReach(token, repo)) return reply(notFound());
      call.repository = repo;
    }
    const extra: Record<string, string> = {};
    if (token.scopes) extra['x-oauth-scopes'] = token.scopes.join(', ');
    return reply(await route.handler(call), extra);
  };

  // ---- git smart HTTP through the real git http-backend (CGI) ----
  const handleGit = async (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    entry: RecordedRequest,
  ) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/git\/([^/]+)\/([^/]+?)\.git(\/.*)$/.exec(url.pathname);
    const repo = match ? repositories.get(`${match[1]}/${match[2]}`.toLowerCase()) : undefined;
    const token = tokenState(credentialOf(request));
    if (!repo || !token || !canReach(token, repo)) {
      entry.status = 401;
      response.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' });
      response.end('authentication required\n');
      return;
    }
    const { stdout: execPath } = await run('git', ['--exec-path']);
    const child = spawn(join(execPath.trim(), 'git-http-backend'), [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: root,
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: `/repos/${repo.owner}/${repo.name}.git${match![3]}`,
        QUERY_STRING: url.search.slice(1),
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
    const output = Buffer.concat(chunks);
    let split = output.indexOf('\r\n\r\n');
    let separator = 4;
    if (split < 0) {
      split = output.indexOf('\n\n');
      separator = 2;
    }
    if (code !== 0 && split < 0) {
      entry.status = 500;
      response.writeHead(500).end('git http-backend failed\n');
      return;
    }
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
    entry.status = status;
    response.writeHead(status, headers);
    response.end(output.subarray(split + separator));
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = recordRequest(request, body);
      const handler = (request.url ?? '').startsWith('/git/') ? handleGit : handleApi;
      handler(request, response, body, entry).catch((error: unknown) => {
        violations.push(`test server error on ${request.method} ${request.url}: ${(error as Error).stack}`);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'test server error' }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const repository = (fullName: string) => {
    const repo = repositories.get(fullName.toLowerCase());
    if (!repo) throw new Error(`no repository ${fullName} on the test server`);
    return repo;
  };

  return {
    url: baseUrl,
    requests,
    violations,
    addUser,
    addToken(token, login, scopes = ['repo']) {
      addUser(login);
      tokens.set(token, { login, scopes });
    },
    addApp({ appId, privateKey, installationId, account }) {
      addUser(account);
      apps.set(installationId, {
        appId,
        slug: `codingworker-test-${appId}`,
        publicKey: createPublicKey(privateKey),
        installationId,
        account,
      });
    },
    async addRepository({ owner, name, defaultBranch = 'main', private: isPrivate = false, files = {} }) {
      addUser(owner);
      const gitDir = join(root, 'repos', owner, `${name}.git`);
      await mkdir(dirname(gitDir), { recursive: true });
      await git(root, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, gitDir]);
      await git(gitDir, ['config', 'http.receivepack', 'true']);
      const seed = await mkdtemp(join(root, 'seed-'));
      await git(seed, ['init', '--quiet', `--initial-branch=${defaultBranch}`]);
      const content = Object.keys(files).length > 0 ? files : { 'README.md': `# ${name}\n` };
      for (const [path, text] of Object.entries(content)) {
        await mkdir(dirname(join(seed, path)), { recursive: true });
        await writeFile(join(seed, path), text);
      }
      await git(seed, ['add', '--all']);
      await git(seed, ['commit', '--quiet', '-m', 'Initial commit']);
      await git(seed, ['push', '--quiet', gitDir, `HEAD:refs/heads/${defaultBranch}`]);
      await rm(seed, { recursive: true, force: true });
      const state: RepositoryState = {
        id: nextId++,
        owner,
        name,
        defaultBranch,
        private: isPrivate,
        collaborators: new Map(),
        issues: new Map(),
        comments: [],
        pulls: [],
        statuses: [],
        checkRuns: [],
        gitDir,
      };
      repositories.set(`${owner}/${name}`.toLowerCase(), state);
      return state;
    },
    repository,
    addIssue(fullName, issue) {
      const repo = repository(fullName);
      const state: IssueState = {
        number: nextIssueNumber(repo),
        title: issue.title,
        body: issue.body ?? '',
        state: issue.state ?? 'open',
        labels: issue.labels ?? [],
        user: issue.user ?? repo.owner,
      };
      addUser(state.user);
      repo.issues.set(state.number, state);
      return state;
    },
    setRole(fullName, login, role) {
      addUser(login);
      const repo = repository(fullName);
      if (role) repo.collaborators.set(login.toLowerCase(), role);
      else repo.collaborators.delete(login.toLowerCase());
    },
    branchSha: (fullName, branch) => branchSha(repository(fullName), branch),
    failNext(operationId, fault) {
      if (!checked.has(operationId)) throw new Error(`the test server does not serve ${operationId}`);
      faults.set(operationId, { ...fault, remaining: fault.times ?? 1 });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
