// The JSON objects the test server returns. The fields that matter are real; the rest are placeholders
// from the OpenAPI schema (placeholderFor), so every response carries what GitHub's schema requires.
import { placeholderFor } from '../openapi-validator.ts';
import type { CommitRecord } from './git.ts';
import { branchSha, lineAt } from './git.ts';
import {
  addUser,
  type CheckRunState,
  type CommentState,
  type IssueState,
  isOwner,
  now,
  type PullState,
  type RepositoryState,
  type ReviewCommentState,
  type ReviewState,
  type ServerState,
} from './state.ts';

export function userObject(state: ServerState, login: string) {
  const user = addUser(state, login);
  const { baseUrl } = state;
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
}

export function repositoryObject(
  state: ServerState,
  repo: RepositoryState,
  schema: 'repository' | 'full-repository',
) {
  const { baseUrl } = state;
  return {
    ...placeholderFor(schema, baseUrl),
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userObject(state, repo.owner),
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    default_branch: repo.defaultBranch,
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}`,
    clone_url: `${baseUrl}/git/${repo.owner}/${repo.name}.git`,
    archived: false,
    disabled: false,
    fork: false,
    ...(schema === 'full-repository' ? { network_count: 0, subscribers_count: 0 } : {}),
  };
}

const labelObject = (state: ServerState, name: string) => ({
  id: [...name].reduce((sum, char) => sum * 31 + char.charCodeAt(0), 7) % 1_000_000,
  node_id: `LA_${name}`,
  url: `${state.baseUrl}/labels/${encodeURIComponent(name)}`,
  name,
  description: null,
  color: 'ededed',
  default: false,
});

/**
 * What an issue and a pull request have in common: GitHub numbers both from one sequence and renders
 * both with these fields. Their ids come from separate ranges so that they never collide.
 */
function numberedFields(
  state: ServerState,
  item: IssueState | PullState,
  kind: { idOffset: number; nodePrefix: string },
) {
  return {
    id: item.number + kind.idOffset,
    node_id: `${kind.nodePrefix}_${item.number}`,
    number: item.number,
    title: item.title,
    body: item.body,
    state: item.state,
    user: userObject(state, item.user),
    locked: false,
    closed_at: item.state === 'closed' ? now() : null,
  };
}

export function issueObject(state: ServerState, repo: RepositoryState, issue: IssueState) {
  const { baseUrl } = state;
  return {
    ...placeholderFor('issue', baseUrl),
    ...numberedFields(state, issue, { idOffset: 500_000, nodePrefix: 'I' }),
    labels: issue.labels.map((name) => labelObject(state, name)),
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}/issues/${issue.number}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}/issues/${issue.number}`,
    comments: repo.comments.filter((comment) => comment.issueNumber === issue.number).length,
  };
}

const associationOf = (repo: RepositoryState, login: string) => {
  if (isOwner(repo, login)) return 'OWNER';
  return repo.collaborators.has(login.toLowerCase()) ? 'COLLABORATOR' : 'NONE';
};

export function commentObject(state: ServerState, repo: RepositoryState, comment: CommentState) {
  const { baseUrl } = state;
  const repoPath = `${repo.owner}/${repo.name}`;
  return {
    ...placeholderFor('issue-comment', baseUrl),
    id: comment.id,
    node_id: `IC_${comment.id}`,
    body: comment.body,
    user: userObject(state, comment.user),
    url: `${baseUrl}/repos/${repoPath}/issues/comments/${comment.id}`,
    html_url: `${baseUrl}/${repoPath}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${baseUrl}/repos/${repoPath}/issues/${comment.issueNumber}`,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: associationOf(repo, comment.user),
  };
}

export async function pullObject(
  state: ServerState,
  repo: RepositoryState,
  pull: PullState,
  schema: 'pull-request' | 'pull-request-simple',
) {
  const { baseUrl } = state;
  const side = async (ref: string, fork?: string) => ({
    label: `${fork ? fork.split('/')[0] : repo.owner}:${ref}`,
    ref,
    sha: (await branchSha(state, repo, ref)) ?? '0'.repeat(40),
    user: userObject(state, repo.owner),
    repo: fork ? forkObject(state, repo, fork) : repositoryObject(state, repo, 'repository'),
  });
  return {
    ...placeholderFor(schema, baseUrl),
    ...numberedFields(state, pull, { idOffset: 900_000, nodePrefix: 'PR' }),
    draft: pull.draft,
    merged: pull.merged,
    merged_at: pull.merged ? now() : null,
    created_at: pull.createdAt,
    updated_at: pull.createdAt,
    head: await side(pull.head, pull.headRepository),
    base: await side(pull.base),
    labels: [],
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}/pull/${pull.number}`,
  };
}

/** A fork's head repository: another owner and id, otherwise rendered like the base. */
function forkObject(state: ServerState, repo: RepositoryState, fullName: string) {
  const [owner, name] = fullName.split('/') as [string, string];
  const base = repositoryObject(state, repo, 'repository');
  const url = `${state.baseUrl}/repos/${fullName}`;
  return {
    ...base,
    id: repo.id + 1,
    name,
    full_name: fullName,
    owner: userObject(state, owner),
    url,
    fork: true,
  };
}

export function commitObject(state: ServerState, repo: RepositoryState, record: CommitRecord) {
  const { baseUrl } = state;
  const url = `${baseUrl}/repos/${repo.owner}/${repo.name}/commits/${record.sha}`;
  const person = {
    name: record.name,
    email: record.email,
    // GitHub writes UTC as Z where git writes +00:00.
    date: record.date.replace(/([+-]\d\d:\d\d)$/, (zone) => (zone === '+00:00' ? 'Z' : zone)),
  };
  const placeholder = placeholderFor('commit', baseUrl) as { commit?: Record<string, unknown> };
  return {
    ...placeholder,
    sha: record.sha,
    node_id: `C_${record.sha}`,
    url,
    html_url: url,
    comments_url: `${url}/comments`,
    author: null,
    committer: null,
    parents: record.parents.map((parent) => ({ sha: parent, url })),
    commit: {
      ...(placeholder.commit ?? {}),
      url,
      author: person,
      committer: person,
      message: record.message.trimEnd(),
      comment_count: 0,
      tree: { sha: '0'.repeat(40), url },
    },
  };
}

export function checkRunObject(state: ServerState, repo: RepositoryState, run: CheckRunState) {
  const { baseUrl } = state;
  return {
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
  };
}

/** A review comment, as the pulls API renders it (or as a review's comment list, `review-comment`). */
export async function reviewCommentObject(
  state: ServerState,
  repo: RepositoryState,
  comment: ReviewCommentState,
  schema: 'pull-request-review-comment' | 'review-comment' = 'pull-request-review-comment',
) {
  const { baseUrl } = state;
  const repoPath = `${repo.owner}/${repo.name}`;
  const pull = repo.pulls.find((candidate) => candidate.number === comment.pullNumber);
  const head = pull ? ((await branchSha(state, repo, pull.head)) ?? '0'.repeat(40)) : '0'.repeat(40);
  const text = pull ? await lineAt(state, repo, pull.head, comment.path, comment.line) : '';
  const pullUrl = `${baseUrl}/repos/${repoPath}/pulls/${comment.pullNumber}`;
  const url = `${baseUrl}/repos/${repoPath}/pulls/comments/${comment.id}`;
  const htmlUrl = `${baseUrl}/${repoPath}/pull/${comment.pullNumber}#discussion_r${comment.id}`;
  return {
    ...placeholderFor(schema, baseUrl),
    id: comment.id,
    node_id: `PRRC_${comment.id}`,
    pull_request_review_id: comment.reviewId,
    body: comment.body,
    path: comment.path,
    line: comment.line,
    original_line: comment.line,
    side: 'RIGHT',
    position: comment.line,
    original_position: comment.line,
    diff_hunk: `@@ -${comment.line},1 +${comment.line},1 @@\n+${text}`,
    commit_id: head,
    original_commit_id: head,
    ...(comment.inReplyTo !== undefined ? { in_reply_to_id: comment.inReplyTo } : {}),
    user: userObject(state, comment.user),
    author_association: associationOf(repo, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    url,
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    _links: { self: { href: url }, html: { href: htmlUrl }, pull_request: { href: pullUrl } },
  };
}

export function reviewObject(state: ServerState, repo: RepositoryState, review: ReviewState) {
  const { baseUrl } = state;
  const repoPath = `${repo.owner}/${repo.name}`;
  const htmlUrl = `${baseUrl}/${repoPath}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
  const pullUrl = `${baseUrl}/repos/${repoPath}/pulls/${review.pullNumber}`;
  return {
    ...placeholderFor('pull-request-review', baseUrl),
    id: review.id,
    node_id: `PRR_${review.id}`,
    user: userObject(state, review.user),
    body: review.body,
    state: review.state,
    commit_id: review.commitId,
    submitted_at: review.submittedAt,
    author_association: associationOf(repo, review.user),
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    _links: { html: { href: htmlUrl }, pull_request: { href: pullUrl } },
  };
}
