// Issues and their comments.
import { commentObject, issueObject } from '../render.ts';
import { type Call, notFound, paginate, type Reply, type RouteSpec } from '../reply.ts';
import { type CommentState, now } from '../state.ts';

function getIssue({ state, repository, params }: Call): Reply {
  const issue = repository!.issues.get(Number(params.issue_number));
  return issue ? { status: 200, body: issueObject(state, repository!, issue) } : notFound();
}

/** On GitHub every pull request is an issue too: its conversation comments are issue comments. */
function hasConversation(repo: NonNullable<Call['repository']>, number: number): boolean {
  return repo.issues.has(number) || repo.pulls.some((pull) => pull.number === number);
}

function listComments({ state, repository, params, query }: Call): Reply {
  const repo = repository!;
  const number = Number(params.issue_number);
  if (!hasConversation(repo, number)) return notFound();
  const all = repo.comments.filter((comment) => comment.issueNumber === number);
  const path = `/repos/${repo.owner}/${repo.name}/issues/${number}/comments`;
  const { items, headers } = paginate(state, all, query, path);
  return { status: 200, body: items.map((comment) => commentObject(state, repo, comment)), headers };
}

function createComment({ state, repository, params, body, token }: Call): Reply {
  const repo = repository!;
  const number = Number(params.issue_number);
  if (!hasConversation(repo, number)) return notFound();
  const comment: CommentState = {
    id: state.nextId(),
    issueNumber: number,
    body: String(body.body),
    user: token!.login,
    createdAt: now(),
    updatedAt: now(),
  };
  repo.comments.push(comment);
  return { status: 201, body: commentObject(state, repo, comment) };
}

const commentOf = ({ repository, params }: Call) =>
  repository!.comments.find((candidate) => candidate.id === Number(params.comment_id));

function getComment(call: Call): Reply {
  const comment = commentOf(call);
  return comment ? { status: 200, body: commentObject(call.state, call.repository!, comment) } : notFound();
}

function updateComment(call: Call): Reply {
  const comment = commentOf(call);
  if (!comment) return notFound();
  comment.body = String(call.body.body);
  comment.updatedAt = now();
  return { status: 200, body: commentObject(call.state, call.repository!, comment) };
}

const ISSUE = '/repos/{owner}/{repo}/issues/{issue_number}';
const COMMENT = '/repos/{owner}/{repo}/issues/comments/{comment_id}';

export const issueRoutes: RouteSpec[] = [
  { operationId: 'issues/get', method: 'GET', path: ISSUE, handler: getIssue },
  { operationId: 'issues/list-comments', method: 'GET', path: `${ISSUE}/comments`, handler: listComments },
  { operationId: 'issues/create-comment', method: 'POST', path: `${ISSUE}/comments`, handler: createComment },
  { operationId: 'issues/get-comment', method: 'GET', path: COMMENT, handler: getComment },
  { operationId: 'issues/update-comment', method: 'PATCH', path: COMMENT, handler: updateComment },
];
