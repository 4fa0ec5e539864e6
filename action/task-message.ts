// The task message: the one contract between the enqueue action and the worker.
// Both sides import this file; docs/task-message.schema.json is generated from it (npm run schema).
import { z } from 'zod';

/**
 * Version 2 added `kind`: an `issue` task (what version 1 carried) or a `revision` of CodingWorker's own
 * pull request. The worker still accepts version 1 issue messages, so the worker can be upgraded before
 * the action; the action sends version 2.
 */
export const SCHEMA_VERSION = 2;

/**
 * SQS accepts 256 KiB (262,144 bytes) of body plus message attributes on every queue, whatever
 * its MaximumMessageSize. We keep the whole message under that so it fits any queue, and trim the
 * issue body or the trigger's text (never the title or metadata) when a very large one would not fit.
 */
export const SQS_MESSAGE_LIMIT_BYTES = 262_144;
/** Room kept for the message attributes and their names. */
const ATTRIBUTE_ALLOWANCE_BYTES = 1_024;
export const TRUNCATION_NOTE =
  '\n\n[CodingWorker: the text was cut here to fit the queue message size limit]';

const login = z.string().min(1).max(100);
const repository = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'must be "owner/name"')
  .describe('The repository as owner/name.');
const dateTime = () => z.iso.datetime({ offset: true });

const issueFields = {
  issue_number: z.number().int().positive().describe('The issue number within the repository.'),
  repository,
  title: z.string().min(1).max(1_024).describe('The issue title at the time of the event (untrusted text).'),
  body: z.string().describe('The issue body in Markdown at the time of the event (untrusted text).'),
  body_truncated: z
    .boolean()
    .describe('True when the body was cut to fit the SQS size limit; the worker may fetch it again.'),
  labels: z.array(z.string().min(1)).describe('Label names on the issue.'),
  assignees: z.array(login).describe('Logins of the assignees.'),
  created_at: dateTime().describe('When the issue was created (ISO 8601).'),
  updated_at: dateTime().describe('When the issue was last updated (ISO 8601).'),
  html_url: z.url().describe('The issue page on GitHub.'),
  sender: login.describe('Login of the account whose action triggered the task (the labeller).'),
  event: z
    .enum(['issues.labeled', 'issues.opened', 'manual'])
    .describe('What produced the message: the GitHub event and action, or "manual" for the CLI.'),
  trigger_label: z.string().min(1).describe('The label that marks issues for CodingWorker.'),
  enqueued_at: dateTime().describe('When the message was built (ISO 8601).'),
};

/** Version 1: an issue task without `kind`. Accepted and read as a version 2 issue task. */
export const IssueMessageV1Schema = z
  .object({
    schema_version: z.literal(1).describe('Version 1 of this schema (issue tasks only).'),
    ...issueFields,
  })
  .strict();

export const IssueMessageSchema = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION).describe('Version of this schema.'),
    kind: z.literal('issue').describe('An issue labelled for CodingWorker.'),
    ...issueFields,
  })
  .strict();

/** What asked for the revision: a comment, a review, or a failing check on the pull request's head. */
export const TRIGGER_TYPES = ['comment', 'review_comment', 'review', 'check_suite', 'workflow_run'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const RevisionTriggerSchema = z
  .object({
    type: z
      .enum(TRIGGER_TYPES)
      .describe(
        'comment: an issue comment on the pull request; review_comment: a comment in a review thread; ' +
          'review: a submitted review; check_suite / workflow_run: a failing check on the head commit.',
      ),
    id: z
      .number()
      .int()
      .positive()
      .describe('The id of the comment, review comment, review, check suite or workflow run.'),
    author: login.describe('Who wrote the comment or review; for a check, the app or actor that ran it.'),
    body: z
      .string()
      .describe('The text of the comment or review; for a check, its name and conclusion (untrusted text).'),
    body_truncated: z.boolean().describe('True when the text was cut to fit the SQS size limit.'),
    updated_at: dateTime().describe(
      'When the trigger was last changed at the time of the event: the worker skips a trigger edited since.',
    ),
    name: z.string().max(300).optional().describe('For a check: the check suite app or the workflow name.'),
    html_url: z.url().describe('The trigger on GitHub.'),
  })
  .strict();

export const RevisionMessageSchema = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION).describe('Version of this schema.'),
    kind: z.literal('revision').describe("A change requested on CodingWorker's own pull request."),
    repository,
    issue_number: z
      .number()
      .int()
      .positive()
      .describe('The issue the pull request resolves: N of its head branch auto-code/issue-N.'),
    pull_number: z.number().int().positive().describe('The pull request number.'),
    title: z.string().min(1).max(1_024).describe('The pull request title at the time of the event.'),
    html_url: z.url().describe('The pull request page on GitHub.'),
    head_branch: z.string().min(1).max(255).describe('The head branch, auto-code/issue-N.'),
    head_sha: z
      .string()
      .regex(/^[0-9a-f]{40}$/, 'must be a 40-character commit SHA')
      .describe('The head commit the event was about.'),
    sender: login.describe('Login of the account whose action triggered the task.'),
    event: z
      .enum([
        'issue_comment.created',
        'pull_request_review_comment.created',
        'pull_request_review.submitted',
        'check_suite.completed',
        'workflow_run.completed',
        'manual',
      ])
      .describe('What produced the message: the GitHub event and action, or "manual" for the CLI.'),
    trigger: RevisionTriggerSchema,
    enqueued_at: dateTime().describe('When the message was built (ISO 8601).'),
  })
  .strict();

/** An issue task (kind `issue`): the name the worker's issue pipeline has always used. */
export type TaskMessage = z.infer<typeof IssueMessageSchema>;
export type RevisionMessage = z.infer<typeof RevisionMessageSchema>;
/** Anything the queue carries. */
export type AnyTask = TaskMessage | RevisionMessage;

/** Every message the worker accepts: a version 1 issue, a version 2 issue or revision. */
export const TaskMessageSchema = z.union([IssueMessageV1Schema, IssueMessageSchema, RevisionMessageSchema]);

export function isRevision(task: AnyTask): task is RevisionMessage {
  return task.kind === 'revision';
}

export type ParseResult = { ok: true; task: AnyTask } | { ok: false; reason: string };

/** Parses a raw queue body. Never throws: a bad message must reach the dead-letter queue with a reason. */
export function parseTaskMessage(raw: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `message body is not JSON (${(error as Error).message})` };
  }
  const { schema, label } = schemaFor(json);
  const result = schema.safeParse(json);
  if (!result.success) {
    const details = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `message does not match task schema ${label}: ${details}` };
  }
  const task = result.data;
  if (task.schema_version === 1)
    return { ok: true, task: { ...task, schema_version: SCHEMA_VERSION, kind: 'issue' } };
  return { ok: true, task };
}

/**
 * The one schema a message is checked against, chosen by its version and kind, so the reason names the
 * fields that are wrong rather than every branch of a union.
 */
function schemaFor(json: unknown): { schema: z.ZodType<z.infer<typeof TaskMessageSchema>>; label: string } {
  const fields = (json ?? {}) as { schema_version?: unknown; kind?: unknown };
  if (fields.schema_version === 1) return { schema: IssueMessageV1Schema, label: 'v1' };
  if (fields.schema_version !== SCHEMA_VERSION) {
    return { schema: IssueMessageSchema, label: `v${SCHEMA_VERSION} (the worker accepts versions 1 and 2)` };
  }
  if (fields.kind === 'revision')
    return { schema: RevisionMessageSchema, label: `v${SCHEMA_VERSION} (revision)` };
  return { schema: IssueMessageSchema, label: `v${SCHEMA_VERSION} (issue)` };
}

export interface EncodedTaskMessage {
  body: string;
  attributes: {
    IssueNumber: { DataType: 'Number'; StringValue: string };
    Repository: { DataType: 'String'; StringValue: string };
  };
  bytes: number;
  truncated: boolean;
}

/**
 * Characters some SQS implementations refuse. SQS allows #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
 * #x10000-#x10FFFF: AWS refuses U+FFFE and U+FFFF, and emulators such as fauxqs refuse everything beyond
 * U+FFFF (emoji). Writing them as JSON \u escapes changes no parsed value.
 */
const SQS_UNSAFE = /[\u{10000}-\u{10FFFF}\uFFFE\uFFFF]/gu;

/** JSON text that every SQS implementation accepts: JSON.stringify with the unsafe characters escaped. */
export function toSqsJson(value: unknown): string {
  return JSON.stringify(value).replace(SQS_UNSAFE, (char) => {
    let escaped = '';
    for (let index = 0; index < char.length; index++) {
      escaped += `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`;
    }
    return escaped;
  });
}

/**
 * Serialises a task for SQS (the attributes of docs/requirements.md#task-message included) as SQS-safe JSON.
 * A text too large for the queue (an issue's body, a trigger's text) is cut on a character boundary and
 * flagged, so a huge one is sent rather than refused by AWS; the size counted is that of the escaped text
 * actually sent.
 */
export function encodeTaskMessage(task: AnyTask, limitBytes = SQS_MESSAGE_LIMIT_BYTES): EncodedTaskMessage {
  const attributes = {
    IssueNumber: { DataType: 'Number' as const, StringValue: String(task.issue_number) },
    Repository: { DataType: 'String' as const, StringValue: task.repository },
  };
  const budget = limitBytes - ATTRIBUTE_ALLOWANCE_BYTES;
  let message = checked(task);
  let body = toSqsJson(message);
  if (Buffer.byteLength(body) > budget) {
    const overhead = Buffer.byteLength(toSqsJson(withText(message, '')));
    const room = budget - overhead - Buffer.byteLength(toSqsJson(TRUNCATION_NOTE));
    if (room < 0) throw new Error(`task message metadata alone exceeds ${budget} bytes`);
    message = withText(message, fitJsonString(textOf(message), room) + TRUNCATION_NOTE);
    body = toSqsJson(message);
  }
  const truncated = isRevision(message) ? message.trigger.body_truncated : message.body_truncated;
  return { body, attributes, bytes: Buffer.byteLength(body), truncated };
}

function checked(task: AnyTask): AnyTask {
  return isRevision(task) ? RevisionMessageSchema.parse(task) : IssueMessageSchema.parse(task);
}

/** The one long text a message carries: the issue's body, or the trigger's. */
function textOf(task: AnyTask): string {
  return isRevision(task) ? task.trigger.body : task.body;
}

/** The message with its long text replaced and flagged as cut. */
function withText(task: AnyTask, text: string): AnyTask {
  if (isRevision(task)) return { ...task, trigger: { ...task.trigger, body: text, body_truncated: true } };
  return { ...task, body: text, body_truncated: true };
}

/** The longest prefix of text whose SQS-safe JSON form fits in maxBytes, never splitting a code point. */
function fitJsonString(text: string, maxBytes: number): string {
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (Buffer.byteLength(toSqsJson(chars.slice(0, mid).join(''))) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  return chars.slice(0, low).join('');
}

/** The parts of GitHub's `issues` webhook payload that the message is built from. */
export interface IssuesEventPayload {
  action: string;
  issue: {
    number: number;
    title: string;
    body?: string | null;
    labels?: Array<{ name: string } | string>;
    assignees?: Array<{ login: string }> | null;
    created_at: string;
    updated_at: string;
    html_url: string;
  };
  label?: { name: string };
  repository: { full_name: string };
  sender: { login: string; type?: string };
}

/** Builds the task message from an `issues` event payload (the action and `codingworker enqueue` share it). */
export function taskFromIssuesEvent(
  payload: IssuesEventPayload,
  options: { triggerLabel: string; event?: TaskMessage['event']; now?: Date },
): TaskMessage {
  const { issue } = payload;
  const event = options.event ?? (payload.action === 'opened' ? 'issues.opened' : 'issues.labeled');
  return IssueMessageSchema.parse({
    schema_version: SCHEMA_VERSION,
    kind: 'issue',
    issue_number: issue.number,
    repository: payload.repository.full_name,
    title: issue.title,
    body: issue.body ?? '',
    body_truncated: false,
    labels: (issue.labels ?? []).map((label) => (typeof label === 'string' ? label : label.name)),
    assignees: (issue.assignees ?? []).map((assignee) => assignee.login),
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    html_url: issue.html_url,
    sender: payload.sender.login,
    event,
    trigger_label: options.triggerLabel,
    enqueued_at: (options.now ?? new Date()).toISOString(),
  });
}
