// Pull request reviews, review comments and their replies, and a pull request's changed files: what a
// revision of CodingWorker's pull request reads and writes. GitHub takes a reply only on a thread's first
// comment ("Replies to replies are not supported").
import { changedFiles } from '../git.ts';
import { reviewCommentObject, reviewObject } from '../render.ts';
import { type Call, notFound, paginate, type Reply, type RouteSpec, unprocessable } from '../reply.ts';
import { now, type ReviewCommentState } from '../state.ts';

const PULL = '/repos/{owner}/{repo}/pulls/{pull_number}';

const pullOf = ({ repository, params }: Call) =>
  repository!.pulls.find((candidate) => candidate.number === Number(params.pull_number));

const commentOf = ({ repository, params }: Call) =>
  repository!.reviewComments.find((comment) => comment.id === Number(params.comment_id));

async function listReviewComments(call: Call): Promise<Reply> {
  const pull = pullOf(call);
  if (!pull) return notFound();
  const repo = call.repository!;
  const since = call.query.since ? Date.parse(call.query.since) : undefined;
  const comments = repo.reviewComments
    .filter((comment) => comment.pullNumber === pull.number)
    .filter((comment) => since === undefined || Date.parse(comment.updatedAt) >= since);
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${pull.number}/comments`;
  const { items, headers } = paginate(call.state, comments, call.query, path);
  const body = await Promise.all(items.map((comment) => reviewCommentObject(call.state, repo, comment)));
  return { status: 200, body, headers };
}

async function getReviewComment(call: Call): Promise<Reply> {
  const comment = commentOf(call);
  if (!comment) return notFound();
  return { status: 200, body: await reviewCommentObject(call.state, call.repository!, comment) };
}

/** Only the comment's author may delete it here (on GitHub, maintainers too; the worker deletes its own). */
function deleteReviewComment(call: Call): Reply {
  const comment = commentOf(call);
  if (!comment) return notFound();
  if (comment.user !== call.token!.login) return { status: 403, body: { message: 'Must be the author' } };
  const comments = call.repository!.reviewComments;
  comments.splice(comments.indexOf(comment), 1);
  return { status: 204 };
}

async function createReply(call: Call): Promise<Reply> {
  const pull = pullOf(call);
  const parent = commentOf(call);
  if (!pull || !parent || parent.pullNumber !== pull.number) return notFound();
  if (parent.inReplyTo !== undefined) {
    return unprocessable([
      {
        resource: 'PullRequestReviewComment',
        code: 'invalid',
        field: 'in_reply_to',
        message: 'Replies to replies are not supported.',
      },
    ]);
  }
  const at = now();
  const reply: ReviewCommentState = {
    id: call.state.nextId(),
    pullNumber: pull.number,
    reviewId: call.state.nextId(),
    body: String(call.body.body),
    path: parent.path,
    line: parent.line,
    user: call.token!.login,
    inReplyTo: parent.id,
    createdAt: at,
    updatedAt: at,
  };
  call.repository!.reviewComments.push(reply);
  return { status: 201, body: await reviewCommentObject(call.state, call.repository!, reply) };
}

const reviewOf = (call: Call) =>
  call.repository!.reviews.find(
    (review) =>
      review.id === Number(call.params.review_id) && review.pullNumber === Number(call.params.pull_number),
  );

function listReviews(call: Call): Reply {
  const pull = pullOf(call);
  if (!pull) return notFound();
  const repo = call.repository!;
  const reviews = repo.reviews.filter((review) => review.pullNumber === pull.number);
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${pull.number}/reviews`;
  const { items, headers } = paginate(call.state, reviews, call.query, path);
  return { status: 200, body: items.map((review) => reviewObject(call.state, repo, review)), headers };
}

function getReview(call: Call): Reply {
  const review = reviewOf(call);
  if (!review) return notFound();
  return { status: 200, body: reviewObject(call.state, call.repository!, review) };
}

async function listCommentsForReview(call: Call): Promise<Reply> {
  const review = reviewOf(call);
  if (!review) return notFound();
  const repo = call.repository!;
  const comments = repo.reviewComments.filter((comment) => comment.reviewId === review.id);
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${review.pullNumber}/reviews/${review.id}/comments`;
  const { items, headers } = paginate(call.state, comments, call.query, path);
  const body = await Promise.all(
    items.map((comment) => reviewCommentObject(call.state, repo, comment, 'review-comment')),
  );
  return { status: 200, body, headers };
}

async function listFiles(call: Call): Promise<Reply> {
  const pull = pullOf(call);
  if (!pull) return notFound();
  const repo = call.repository!;
  const files = await changedFiles(call.state, repo, pull.base, pull.head);
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${pull.number}/files`;
  const { items, headers } = paginate(call.state, files, call.query, path);
  return { status: 200, body: items, headers };
}

export const reviewRoutes: RouteSpec[] = [
  {
    operationId: 'pulls/list-review-comments',
    method: 'GET',
    path: `${PULL}/comments`,
    handler: listReviewComments,
  },
  {
    operationId: 'pulls/get-review-comment',
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/comments/{comment_id}',
    handler: getReviewComment,
  },
  {
    operationId: 'pulls/delete-review-comment',
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/pulls/comments/{comment_id}',
    handler: deleteReviewComment,
  },
  {
    operationId: 'pulls/create-reply-for-review-comment',
    method: 'POST',
    path: `${PULL}/comments/{comment_id}/replies`,
    handler: createReply,
  },
  { operationId: 'pulls/list-reviews', method: 'GET', path: `${PULL}/reviews`, handler: listReviews },
  { operationId: 'pulls/get-review', method: 'GET', path: `${PULL}/reviews/{review_id}`, handler: getReview },
  {
    operationId: 'pulls/list-comments-for-review',
    method: 'GET',
    path: `${PULL}/reviews/{review_id}/comments`,
    handler: listCommentsForReview,
  },
  { operationId: 'pulls/list-files', method: 'GET', path: `${PULL}/files`, handler: listFiles },
];
