// What the GitHub test server holds in memory: users, tokens, Apps, repositories with their issues,
// comments, pulls, statuses and check runs, the injected faults, and what it has seen.
import type { createPublicKey } from 'node:crypto';

export type Role = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export const ROLE_RANK: Record<Role, number> = { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

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
  /** The head's repository ("owner/name") when it is a fork; undefined for a branch of this repository. */
  headRepository?: string;
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

export interface ReviewCommentState {
  id: number;
  pullNumber: number;
  /** The review it belongs to; a lone review comment gets a review of its own, as on GitHub. */
  reviewId: number;
  body: string;
  path: string;
  line: number;
  user: string;
  inReplyTo?: number;
  createdAt: string;
  updatedAt: string;
}

export interface ReviewState {
  id: number;
  pullNumber: number;
  state: 'CHANGES_REQUESTED' | 'APPROVED' | 'COMMENTED';
  body: string;
  user: string;
  submittedAt: string;
  commitId: string;
}

export interface WorkflowJobState {
  id: number;
  name: string;
  conclusion: string;
  log: string;
}

export interface WorkflowRunState {
  id: number;
  workflowId: number;
  name: string;
  headSha: string;
  headBranch: string;
  event: string;
  status: string;
  conclusion: string | null;
  createdAt: string;
  updatedAt: string;
  jobs: WorkflowJobState[];
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
  reviewComments: ReviewCommentState[];
  reviews: ReviewState[];
  workflowRuns: WorkflowRunState[];
  /** The bare repository served over git http-backend. */
  gitDir: string;
}

export interface TokenState {
  login: string;
  /** Classic PAT scopes sent back in X-OAuth-Scopes; undefined for installation tokens. */
  scopes?: string[];
  installationId?: number;
  /** Installation tokens may be limited to some repositories (names). */
  repositories?: string[];
  expiresAt?: Date;
}

export interface AppState {
  appId: number;
  slug: string;
  publicKey: ReturnType<typeof createPublicKey>;
  installationId: number;
  account: string;
}

export interface UserState {
  id: number;
  login: string;
  type: 'User' | 'Bot';
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

export interface ServerState {
  /** The temporary folder holding the bare repositories; git runs with it as HOME. */
  root: string;
  /** The API root; set once the server listens, read when an object is rendered. */
  baseUrl: string;
  /** Keyed by "owner/name", lower case. */
  repositories: Map<string, RepositoryState>;
  /** Keyed by login, lower case. */
  users: Map<string, UserState>;
  tokens: Map<string, TokenState>;
  /** Keyed by installation id. */
  apps: Map<number, AppState>;
  faults: Map<string, Fault & { remaining: number }>;
  requests: RecordedRequest[];
  violations: string[];
  /** One sequence for users, repositories, comments, statuses and check runs, as ids are unique. */
  nextId(): number;
}

export function createState(root: string): ServerState {
  let id = 1000;
  return {
    root,
    baseUrl: '',
    repositories: new Map(),
    users: new Map(),
    tokens: new Map(),
    apps: new Map(),
    faults: new Map(),
    requests: [],
    violations: [],
    nextId: () => id++,
  };
}

/** GitHub's timestamp form: seconds, no fraction. */
export const timestamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const now = () => timestamp(new Date());

export function addUser(state: ServerState, login: string, type: 'User' | 'Bot' = 'User'): UserState {
  const key = login.toLowerCase();
  if (!state.users.has(key)) state.users.set(key, { id: state.nextId(), login, type });
  return state.users.get(key)!;
}

export function repositoryNamed(state: ServerState, fullName: string): RepositoryState {
  const repo = state.repositories.get(fullName.toLowerCase());
  if (!repo) throw new Error(`no repository ${fullName} on the test server`);
  return repo;
}

/** Issues and pull requests share one sequence of numbers, as on GitHub. */
export const nextIssueNumber = (repo: RepositoryState) =>
  Math.max(0, ...repo.issues.keys(), ...repo.pulls.map((pull) => pull.number)) + 1;

export const isOwner = (repo: RepositoryState, login: string) =>
  login.toLowerCase() === repo.owner.toLowerCase();

export const appOfInstallation = (state: ServerState, installationId: number | undefined) =>
  [...state.apps.values()].find((candidate) => candidate.installationId === installationId);
