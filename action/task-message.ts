// The task message: the one contract between the enqueue action and the worker.
// Both sides import this file; docs/task-message.schema.json is generated from it (npm run schema).
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/**
 * SQS accepts 256 KiB (262,144 bytes) of body plus message attributes on every queue, whatever
 * its MaximumMessageSize. We keep the whole message under that so it fits any queue, and trim the
 * issue body (never the title or metadata) when a very large issue would not fit.
 */
export const SQS_MESSAGE_LIMIT_BYTES = 262_144;
/** Room kept for the message attributes and their names. */
const ATTRIBUTE_ALLOWANCE_BYTES = 1_024;
export const TRUNCATION_NOTE =
  '\n\n[CodingWorker: the issue body was cut here to fit the queue message size limit]';

const login = z.string().min(1).max(100);

export const TaskMessageSchema = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION).describe('Version of this schema; the worker refuses others.'),
    issue_number: z.number().int().positive().describe('The issue number within the repository.'),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'must be "owner/name"')
      .describe('The repository as owner/name.'),
    title: z
      .string()
      .min(1)
      .max(1_024)
      .describe('The issue title at the time of the event (untrusted text).'),
    body: z.string().describe('The issue body in Markdown at the time of the event (untrusted text).'),
    body_truncated: z
      .boolean()
      .describe('True when the body was cut to fit the SQS size limit; the worker may fetch it again.'),
    labels: z.array(z.string().min(1)).describe('Label names on the issue.'),
    assignees: z.array(login).describe('Logins of the assignees.'),
    created_at: z.iso.datetime({ offset: true }).describe('When the issue was created (ISO 8601).'),
    updated_at: z.iso.datetime({ offset: true }).describe('When the issue was last updated (ISO 8601).'),
    html_url: z.url().describe('The issue page on GitHub.'),
    sender: login.describe('Login of the account whose action triggered the task (the labeller).'),
    event: z
      .enum(['issues.labeled', 'issues.opened', 'manual'])
      .describe('What produced the message: the GitHub event and action, or "manual" for the CLI.'),
    trigger_label: z.string().min(1).describe('The label that marks issues for CodingWorker.'),
    enqueued_at: z.iso.datetime({ offset: true }).describe('When the message was built (ISO 8601).'),
  })
  .strict();

export type TaskMessage = z.infer<typeof TaskMessageSchema>;

export type ParseResult = { ok: true; task: TaskMessage } | { ok: false; reason: string };

/** Parses a raw queue body. Never throws: a bad message must reach the dead-letter queue with a reason. */
export function parseTaskMessage(raw: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `message body is not JSON (${(error as Error).message})` };
  }
  const result = TaskMessageSchema.safeParse(json);
  if (!result.success) {
    const details = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `message does not match task schema v${SCHEMA_VERSION}: ${details}` };
  }
  return { ok: true, task: result.data };
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
 * A body too large for the queue is cut on a character boundary and flagged with body_truncated, so a huge
 * issue is sent rather than refused by AWS; the size counted is that of the escaped text actually sent.
 */
export function encodeTaskMessage(
  task: TaskMessage,
  limitBytes = SQS_MESSAGE_LIMIT_BYTES,
): EncodedTaskMessage {
  const attributes = {
    IssueNumber: { DataType: 'Number' as const, StringValue: String(task.issue_number) },
    Repository: { DataType: 'String' as const, StringValue: task.repository },
  };
  const budget = limitBytes - ATTRIBUTE_ALLOWANCE_BYTES;
  let message = TaskMessageSchema.parse(task);
  let body = toSqsJson(message);
  if (Buffer.byteLength(body) > budget) {
    const overhead = Buffer.byteLength(toSqsJson({ ...message, body: '', body_truncated: true }));
    const room = budget - overhead - Buffer.byteLength(toSqsJson(TRUNCATION_NOTE));
    if (room < 0) throw new Error(`task message metadata alone exceeds ${budget} bytes`);
    message = { ...message, body: fitJsonString(message.body, room) + TRUNCATION_NOTE, body_truncated: true };
    body = toSqsJson(message);
  }
  return { body, attributes, bytes: Buffer.byteLength(body), truncated: message.body_truncated };
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
  return TaskMessageSchema.parse({
    schema_version: SCHEMA_VERSION,
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
