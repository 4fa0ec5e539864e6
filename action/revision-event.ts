// Which pull request events become revision tasks (docs/action.md#revisions): a comment that mentions the
// trigger phrase, a review that requests changes (or comments with the mention), and with
// fix-failing-checks a failed workflow run, each on CodingWorker's own pull request. Like issues events,
// everything else is skipped with a one-line reason. The worker re-checks all of it on GitHub.
import { z } from 'zod';
import type { Sender } from './permission.ts';
import { type RevisionMessage, RevisionMessageSchema, SCHEMA_VERSION } from './task-message.ts';

export const REVISION_EVENTS = [
  'issue_comment',
  'pull_request_review_comment',
  'pull_request_review',
  'workflow_run',
  'check_suite',
] as const;

export interface RevisionOptions {
  /** The phrase a comment must contain, e.g. @codingworker (compared without regard to case). */
  mention: string;
  /** Whether a failed workflow run on the pull request's head asks for a fix. */
  fixFailingChecks: boolean;
}

/** What the action needs to know of the pull request; read from the payload or from the API. */
export interface PullFacts {
  number: number;
  title: string;
  html_url: string;
  state: string;
  head: { ref: string; sha: string; repo: { full_name: string } | null };
}

/** Where the pull request is found when the payload does not carry it. */
export type PullLocator = { number: number } | { branch: string };

export type RevisionDecision =
  | {
      enqueue: true;
      event: RevisionMessage['event'];
      repository: string;
      /** Whose permission is checked; none for a failed run, which carries no one's words. */
      sender: Sender | undefined;
      trigger: RevisionMessage['trigger'];
      pull: PullFacts | PullLocator;
      /** The commit a failed run ran on: the pull request's head must still be it. */
      headSha?: string;
    }
  | { enqueue: false; reason: string };

export type Enqueue = Extract<RevisionDecision, { enqueue: true }>;

/** CodingWorker's branches: the worker pushes only to these (worker/forge/github-pulls.ts). */
const BRANCH = /^auto-code\/issue-([1-9]\d*)$/;
/** Our own comments carry markers (progress, revision replies); acting on them would loop. */
const OWN_MARKER = '<!-- codingworker:';

const user = z.looseObject({ login: z.string(), type: z.string().optional() });
const pullSchema = z.looseObject({
  number: z.number().int().positive(),
  title: z.string(),
  html_url: z.string(),
  state: z.string(),
  head: z.looseObject({
    ref: z.string(),
    sha: z.string(),
    repo: z.looseObject({ full_name: z.string() }).nullable(),
  }),
});
const base = { repository: z.looseObject({ full_name: z.string() }), sender: user };
const commentSchema = z.looseObject({
  id: z.number().int().positive(),
  body: z.string().nullish(),
  user,
  updated_at: z.string(),
  html_url: z.string(),
});
const schemas = {
  issue_comment: z.looseObject({
    ...base,
    action: z.string(),
    issue: z.looseObject({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
    comment: commentSchema,
  }),
  pull_request_review_comment: z.looseObject({
    ...base,
    action: z.string(),
    pull_request: pullSchema,
    comment: commentSchema,
  }),
  pull_request_review: z.looseObject({
    ...base,
    action: z.string(),
    pull_request: pullSchema,
    review: z.looseObject({
      id: z.number().int().positive(),
      body: z.string().nullish(),
      state: z.string(),
      user,
      submitted_at: z.string().nullish(),
      html_url: z.string(),
    }),
  }),
  workflow_run: z.looseObject({
    ...base,
    action: z.string(),
    workflow_run: z.looseObject({
      id: z.number().int().positive(),
      name: z.string().nullish(),
      conclusion: z.string().nullish(),
      head_branch: z.string().nullish(),
      head_sha: z.string(),
      head_repository: z.looseObject({ full_name: z.string() }).nullish(),
      updated_at: z.string(),
      html_url: z.string(),
      actor: user.nullish(),
    }),
  }),
};

/** The one action of each event that can ask for a change (an edit or a deletion never does). */
const ACTION_OF: Record<keyof typeof schemas, string> = {
  issue_comment: 'created',
  pull_request_review_comment: 'created',
  pull_request_review: 'submitted',
  workflow_run: 'completed',
};

type Parsed<K extends keyof typeof schemas> = z.infer<(typeof schemas)[K]>;

export function isRevisionEvent(eventName: string): boolean {
  return (REVISION_EVENTS as readonly string[]).includes(eventName);
}

export function filterRevisionEvent(
  eventName: string,
  payload: unknown,
  options: RevisionOptions,
): RevisionDecision {
  if (eventName === 'check_suite') {
    return skip(
      'check_suite events are not acted on: trigger the action on workflow_run (fix-failing-checks)',
    );
  }
  if (!(eventName in schemas)) return skip(`the ${eventName} event does not ask for revisions`);
  const name = eventName as keyof typeof schemas;
  const parsed = schemas[name].safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `the ${eventName} event payload is not what GitHub sends (${issue?.path.join('.')}: ${issue?.message}); ` +
        'run this action only from the events in docs/action.md',
    );
  }
  const { action } = parsed.data;
  if (action !== ACTION_OF[name]) return skip(`${name}.${action} does not ask for revisions`);
  switch (name) {
    case 'issue_comment':
      return fromIssueComment(parsed.data as Parsed<'issue_comment'>, options);
    case 'pull_request_review_comment': {
      const event = parsed.data as Parsed<'pull_request_review_comment'>;
      return fromComment('review_comment', event, event.pull_request, options);
    }
    case 'pull_request_review':
      return fromReview(parsed.data as Parsed<'pull_request_review'>, options);
    case 'workflow_run':
      return fromWorkflowRun(parsed.data as Parsed<'workflow_run'>, options);
  }
}

function fromIssueComment(event: Parsed<'issue_comment'>, options: RevisionOptions): RevisionDecision {
  if (!event.issue.pull_request) {
    return skip(`the comment is on issue #${event.issue.number}, not on a pull request`);
  }
  return fromComment('comment', event, { number: event.issue.number }, options);
}

/** A comment asks for a change when it mentions the phrase; its own event carries the pull request or not. */
function fromComment(
  type: 'comment' | 'review_comment',
  event: Parsed<'issue_comment'> | Parsed<'pull_request_review_comment'>,
  pull: PullFacts | PullLocator,
  options: RevisionOptions,
): RevisionDecision {
  const unasked = commentProblem(event.comment.body ?? '', options);
  if (unasked) return skip(unasked);
  return {
    enqueue: true,
    event: type === 'comment' ? 'issue_comment.created' : 'pull_request_review_comment.created',
    repository: event.repository.full_name,
    sender: event.comment.user,
    trigger: commentTrigger(type, event.comment),
    pull,
  };
}

/** A review asks for changes by its state; a plain "comment" review only with the mention. */
function fromReview(event: Parsed<'pull_request_review'>, options: RevisionOptions): RevisionDecision {
  const { review } = event;
  const state = review.state.toLowerCase();
  const body = review.body ?? '';
  if (state === 'commented') {
    const unasked = commentProblem(body, options);
    if (unasked) return skip(`the review ${unasked.replace(/^the comment /, '')}`);
  } else if (state !== 'changes_requested') {
    return skip(`a review that is ${state} does not ask for changes`);
  }
  return {
    enqueue: true,
    event: 'pull_request_review.submitted',
    repository: event.repository.full_name,
    sender: review.user,
    trigger: {
      type: 'review',
      id: review.id,
      author: review.user.login,
      body,
      body_truncated: false,
      updated_at: review.submitted_at ?? new Date().toISOString(),
      html_url: review.html_url,
    },
    pull: event.pull_request,
  };
}

function fromWorkflowRun(event: Parsed<'workflow_run'>, options: RevisionOptions): RevisionDecision {
  const run = event.workflow_run;
  const name = run.name || `workflow run ${run.id}`;
  if (!options.fixFailingChecks) {
    return skip('fix-failing-checks is off: set it to true to have CodingWorker fix its failing runs');
  }
  if (run.conclusion !== 'failure' && run.conclusion !== 'timed_out') {
    return skip(`"${oneLine(name)}" concluded ${run.conclusion ?? 'nothing'}, not failure`);
  }
  const branch = run.head_branch ?? '';
  if (!BRANCH.test(branch))
    return skip(`"${oneLine(name)}" ran on ${oneLine(branch)}, not a CodingWorker branch`);
  const fromRepo = run.head_repository?.full_name ?? '';
  if (fromRepo.toLowerCase() !== event.repository.full_name.toLowerCase()) {
    return skip(`"${oneLine(name)}" ran on a fork (${oneLine(fromRepo)})`);
  }
  return {
    enqueue: true,
    event: 'workflow_run.completed',
    repository: event.repository.full_name,
    sender: undefined,
    trigger: {
      type: 'workflow_run',
      id: run.id,
      author: run.actor?.login ?? event.sender.login,
      body: `${name} concluded ${run.conclusion}`,
      body_truncated: false,
      updated_at: run.updated_at,
      name: name.slice(0, 300),
      html_url: run.html_url,
    },
    pull: { branch },
    headSha: run.head_sha,
  };
}

/**
 * Why the pull request is not CodingWorker's to revise: a branch of its own in the same repository,
 * open, at the head the event was about. undefined when it is.
 */
export function pullProblem(decision: Enqueue, pull: PullFacts): string | undefined {
  const { repository } = decision;
  const ref = `pull request #${pull.number}`;
  if (pull.state !== 'open') return `${ref} is ${oneLine(pull.state)}`;
  if (!BRANCH.test(pull.head.ref)) {
    return `${ref} comes from ${oneLine(pull.head.ref)}, not a CodingWorker branch (auto-code/issue-N)`;
  }
  const fromRepo = pull.head.repo?.full_name ?? 'a deleted repository';
  if (fromRepo.toLowerCase() !== repository.toLowerCase())
    return `${ref} comes from a fork (${oneLine(fromRepo)})`;
  if (decision.headSha && decision.headSha !== pull.head.sha) {
    return `the run was on ${decision.headSha.slice(0, 7)}, but ${ref} has moved on to ${pull.head.sha.slice(0, 7)}`;
  }
  return undefined;
}

/** The issue a CodingWorker branch belongs to. */
export function issueOfBranch(branch: string): number | undefined {
  const match = BRANCH.exec(branch);
  return match ? Number(match[1]) : undefined;
}

function commentProblem(body: string, options: RevisionOptions): string | undefined {
  if (body.includes(OWN_MARKER)) return "the comment is one of CodingWorker's own";
  if (!mentions(body, options.mention)) {
    return `the comment does not mention ${options.mention}`;
  }
  return undefined;
}

/** The phrase as a word of its own: "@codingworker," counts, "@codingworker-bot" does not. */
export function mentions(body: string, phrase: string): boolean {
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@-])${escaped}(?![\\w-])`, 'i').test(body);
}

function commentTrigger(
  type: 'comment' | 'review_comment',
  comment: Parsed<'issue_comment'>['comment'],
): RevisionMessage['trigger'] {
  return {
    type,
    id: comment.id,
    author: comment.user.login,
    body: comment.body ?? '',
    body_truncated: false,
    updated_at: comment.updated_at,
    html_url: comment.html_url,
  };
}

function skip(reason: string): RevisionDecision {
  return { enqueue: false, reason };
}

/** Names and branches come from the payload: one line, so a reason cannot forge a log command. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

/** The revision message for an event the filter let through, on the pull request as GitHub holds it. */
export function revisionTask(decision: Enqueue, pull: PullFacts, now: Date = new Date()): RevisionMessage {
  const issue = issueOfBranch(pull.head.ref);
  if (issue === undefined) throw new Error(`pull request #${pull.number} is not on a CodingWorker branch`);
  return RevisionMessageSchema.parse({
    schema_version: SCHEMA_VERSION,
    kind: 'revision',
    repository: decision.repository,
    issue_number: issue,
    pull_number: pull.number,
    title: pull.title.slice(0, 1_024) || `#${pull.number}`,
    html_url: pull.html_url,
    head_branch: pull.head.ref,
    head_sha: pull.head.sha,
    sender: decision.sender?.login ?? decision.trigger.author,
    event: decision.event,
    trigger: decision.trigger,
    enqueued_at: now.toISOString(),
  });
}
