// A GitHub REST test server on 127.0.0.1 with real git over smart HTTP (git http-backend).
// Every request it receives and every response it returns is checked against GitHub's OpenAPI
// description (openapi-validator.ts); a mismatch answers 500 and is recorded in `violations`, which
// tests assert is empty — so the fake cannot drift from GitHub. State lives in memory and can be
// seeded and inspected; faults (5xx, 403/429 rate limits with Retry-After) can be injected per operation.
// The modules behind it (github-server/): state.ts holds what the server knows, render.ts the JSON
// objects, routes/ one file per group of operations, api.ts the checked REST dispatch, git.ts and
// git-http.ts the bare repositories and smart HTTP, auth.ts tokens and App JWTs.
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checked, handleApi } from './github-server/api.ts';
import { branchSha, createBareRepository } from './github-server/git.ts';
import { handleGit } from './github-server/git-http.ts';
import { jobLog } from './github-server/routes/actions.ts';
import {
  addUser,
  createState,
  type Fault,
  type IssueState,
  nextIssueNumber,
  now,
  type RecordedRequest,
  type RepositoryState,
  type ReviewCommentState,
  type ReviewState,
  type Role,
  repositoryNamed,
  type ServerState,
  timestamp,
  type WorkflowRunState,
} from './github-server/state.ts';

export type {
  CheckRunState,
  CommentState,
  Fault,
  IssueState,
  PullState,
  RecordedRequest,
  RepositoryState,
  ReviewCommentState,
  ReviewState,
  Role,
  StatusState,
  WorkflowRunState,
} from './github-server/state.ts';

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
  /** A review comment on a pull request's head (a reply when inReplyTo is given). */
  addReviewComment(fullName: string, pullNumber: number, comment: NewReviewComment): ReviewCommentState;
  /** Changes a review comment's text, as an edit on GitHub does (updated_at moves on). */
  editReviewComment(fullName: string, id: number, body: string): void;
  /** A submitted review, with its comments (each a thread of its own). */
  addReview(
    fullName: string,
    pullNumber: number,
    review: NewReview,
  ): Promise<{ review: ReviewState; comments: ReviewCommentState[] }>;
  /** A completed workflow run with its jobs and their logs. */
  addWorkflowRun(fullName: string, run: NewWorkflowRun): WorkflowRunState;
  /** Makes the next `times` requests to an operation (operationId, e.g. "issues/create-comment") fail. */
  failNext(operationId: string, fault: Fault): void;
  close(): Promise<void>;
}

/** Records a request with the authorization value redacted, before it is handled. */
function recordRequest(state: ServerState, request: IncomingMessage, body: Buffer): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = name === 'authorization' ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  const entry: RecordedRequest = {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers,
    body: body.toString('latin1'),
  };
  state.requests.push(entry);
  return entry;
}

/** An HTTP server that reads each request whole, records it, and hands it to git or the API. */
function createHttpServer(state: ServerState): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = recordRequest(state, request, body);
      const log = jobLog(state, request.url ?? '');
      if (log !== undefined) {
        entry.status = 200;
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(log);
        return;
      }
      const handler = (request.url ?? '').startsWith('/git/') ? handleGit : handleApi;
      handler(state, request, response, body, entry).catch((error: unknown) => {
        state.violations.push(
          `test server error on ${request.method} ${request.url}: ${(error as Error).stack}`,
        );
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'test server error' }));
      });
    });
  });
}

async function addRepository(
  state: ServerState,
  options: Parameters<GitHubServer['addRepository']>[0],
): Promise<RepositoryState> {
  const { owner, name, defaultBranch = 'main', private: isPrivate = false, files = {} } = options;
  addUser(state, owner);
  const gitDir = await createBareRepository(state, { owner, name, defaultBranch, files });
  const repo: RepositoryState = {
    id: state.nextId(),
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
    reviewComments: [],
    reviews: [],
    workflowRuns: [],
    gitDir,
  };
  state.repositories.set(`${owner}/${name}`.toLowerCase(), repo);
  return repo;
}

function addIssue(
  state: ServerState,
  fullName: string,
  issue: Parameters<GitHubServer['addIssue']>[1],
): IssueState {
  const repo = repositoryNamed(state, fullName);
  const created: IssueState = {
    number: nextIssueNumber(repo),
    title: issue.title,
    body: issue.body ?? '',
    state: issue.state ?? 'open',
    labels: issue.labels ?? [],
    user: issue.user ?? repo.owner,
  };
  addUser(state, created.user);
  repo.issues.set(created.number, created);
  return created;
}

export interface NewReviewComment {
  user: string;
  body: string;
  path: string;
  line: number;
  inReplyTo?: number;
  /** The review it belongs to; by default one of its own. */
  reviewId?: number;
}

export interface NewReview {
  user: string;
  state: ReviewState['state'];
  body: string;
  comments?: Array<{ path: string; line: number; body: string }>;
}

export interface NewWorkflowRun {
  workflowId: number;
  name: string;
  headSha: string;
  headBranch: string;
  event?: string;
  conclusion: string;
  jobs: Array<{ name: string; conclusion: string; log: string }>;
}

/** A time at least a second after `previous`, in GitHub's form: an edit is always seen to be later. */
function laterThan(previous: string): string {
  return timestamp(new Date(Math.max(Date.now(), Date.parse(previous) + 1_000)));
}

function addReviewComment(
  state: ServerState,
  repo: RepositoryState,
  pullNumber: number,
  comment: NewReviewComment,
): ReviewCommentState {
  addUser(state, comment.user);
  const at = now();
  const created: ReviewCommentState = {
    id: state.nextId(),
    pullNumber,
    reviewId: comment.reviewId ?? state.nextId(),
    body: comment.body,
    path: comment.path,
    line: comment.line,
    user: comment.user,
    ...(comment.inReplyTo !== undefined ? { inReplyTo: comment.inReplyTo } : {}),
    createdAt: at,
    updatedAt: at,
  };
  repo.reviewComments.push(created);
  return created;
}

async function addReview(state: ServerState, repo: RepositoryState, pullNumber: number, review: NewReview) {
  addUser(state, review.user);
  const pull = repo.pulls.find((candidate) => candidate.number === pullNumber);
  const head = pull ? await branchSha(state, repo, pull.head) : undefined;
  const created: ReviewState = {
    id: state.nextId(),
    pullNumber,
    state: review.state,
    body: review.body,
    user: review.user,
    submittedAt: now(),
    commitId: head ?? '0'.repeat(40),
  };
  repo.reviews.push(created);
  const comments = (review.comments ?? []).map((comment) =>
    addReviewComment(state, repo, pullNumber, { ...comment, user: review.user, reviewId: created.id }),
  );
  return { review: created, comments };
}

function addWorkflowRun(state: ServerState, repo: RepositoryState, run: NewWorkflowRun): WorkflowRunState {
  const at = now();
  const created: WorkflowRunState = {
    id: state.nextId(),
    workflowId: run.workflowId,
    name: run.name,
    headSha: run.headSha,
    headBranch: run.headBranch,
    event: run.event ?? 'pull_request',
    status: 'completed',
    conclusion: run.conclusion,
    createdAt: at,
    updatedAt: at,
    jobs: run.jobs.map((job) => ({ ...job, id: state.nextId() })),
  };
  repo.workflowRuns.push(created);
  return created;
}

export async function startGitHubServer(): Promise<GitHubServer> {
  const root = await mkdtemp(join(tmpdir(), 'cw-github-'));
  const state = createState(root);
  const server = createHttpServer(state);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: state.baseUrl,
    requests: state.requests,
    violations: state.violations,
    addUser: (login, type) => void addUser(state, login, type),
    addToken(token, login, scopes = ['repo']) {
      addUser(state, login);
      state.tokens.set(token, { login, scopes });
    },
    addApp({ appId, privateKey, installationId, account }) {
      addUser(state, account);
      const slug = `codingworker-test-${appId}`;
      const publicKey = createPublicKey(privateKey);
      state.apps.set(installationId, { appId, slug, publicKey, installationId, account });
    },
    addRepository: (options) => addRepository(state, options),
    repository: (fullName) => repositoryNamed(state, fullName),
    addIssue: (fullName, issue) => addIssue(state, fullName, issue),
    setRole(fullName, login, role?: Role) {
      addUser(state, login);
      const repo = repositoryNamed(state, fullName);
      if (role) repo.collaborators.set(login.toLowerCase(), role);
      else repo.collaborators.delete(login.toLowerCase());
    },
    branchSha: (fullName, branch) => branchSha(state, repositoryNamed(state, fullName), branch),
    addReviewComment: (fullName, pullNumber, comment) =>
      addReviewComment(state, repositoryNamed(state, fullName), pullNumber, comment),
    editReviewComment(fullName, id, body) {
      const comment = repositoryNamed(state, fullName).reviewComments.find((entry) => entry.id === id);
      if (!comment) throw new Error(`no review comment ${id} in ${fullName}`);
      comment.body = body;
      comment.updatedAt = laterThan(comment.updatedAt);
    },
    addReview: (fullName, pullNumber, review) =>
      addReview(state, repositoryNamed(state, fullName), pullNumber, review),
    addWorkflowRun: (fullName, run) => addWorkflowRun(state, repositoryNamed(state, fullName), run),
    failNext(operationId, fault: Fault) {
      if (!checked.has(operationId)) throw new Error(`the test server does not serve ${operationId}`);
      state.faults.set(operationId, { ...fault, remaining: fault.times ?? 1 });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
