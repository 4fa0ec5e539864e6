// Task messages for tests: a literal one for the worker's own code, and ones built by the action's own code
// from a real webhook payload for the queue.
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type AnyTask,
  encodeTaskMessage,
  isRevision,
  type ParseResult,
  type RevisionMessage,
  type TaskMessage,
  taskFromIssuesEvent,
} from '../../action/task-message.ts';
import { issuesPayload } from './webhooks.ts';

/** A valid task; html_url follows repository and issue_number unless overridden. */
export function taskMessage(overrides: Partial<TaskMessage> = {}): TaskMessage {
  const task: TaskMessage = {
    schema_version: 2,
    kind: 'issue',
    issue_number: 7,
    repository: 'octo/demo',
    title: 'Add a greeting',
    body: 'Please.',
    body_truncated: false,
    labels: ['auto-code'],
    assignees: [],
    created_at: '2026-11-24T10:00:00Z',
    updated_at: '2026-11-24T10:00:00Z',
    html_url: '',
    sender: 'maintainer',
    event: 'issues.labeled',
    trigger_label: 'auto-code',
    enqueued_at: '2026-11-24T10:00:01Z',
    ...overrides,
  };
  task.html_url ||= `https://github.com/${task.repository}/issues/${task.issue_number}`;
  return task;
}

/** The issue task a parse result holds; throws (failing the test) for a refusal or a revision. */
export function parsedIssue(parsed: ParseResult): TaskMessage {
  if (!parsed.ok) throw new Error(`expected a task, got a refusal: ${parsed.reason}`);
  return issueTask(parsed.task);
}

/** The task as an issue task; throws for a revision. */
export function issueTask(task: AnyTask): TaskMessage {
  if (isRevision(task)) throw new Error(`expected an issue task, got a revision of #${task.pull_number}`);
  return task;
}

/** Sends a valid task for this issue number; returns the message id. */
export async function sendTask(client: SQSClient, queueUrl: string, issueNumber: number): Promise<string> {
  const payload = issuesPayload('labeled');
  payload.issue.number = issueNumber;
  const message = encodeTaskMessage(taskFromIssuesEvent(payload, { triggerLabel: 'auto-code' }));
  const sent = await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: message.body,
      MessageAttributes: message.attributes,
    }),
  );
  return sent.MessageId!;
}

export async function sendRaw(client: SQSClient, queueUrl: string, body: string): Promise<string> {
  const sent = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  return sent.MessageId!;
}

/** Receives everything visible now (hidden for a minute), without deleting. */
export async function receiveAll(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 60,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return Messages ?? [];
}

/** Visible + in flight + delayed messages of a queue. */
export async function queueCount(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Polls check() every 100 ms until it returns true, or fails after timeoutMs. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A valid revision of pull request 12 (branch auto-code/issue-<N>), asked for by a review comment. */
export function revisionMessage(
  overrides: Omit<Partial<RevisionMessage>, 'trigger'> & {
    trigger?: Partial<RevisionMessage['trigger']>;
  } = {},
): RevisionMessage {
  const { trigger, ...rest } = overrides;
  const issue = rest.issue_number ?? 7;
  return {
    schema_version: 2,
    kind: 'revision',
    repository: 'octo/demo',
    issue_number: issue,
    pull_number: 12,
    title: '[auto-code] Add a greeting',
    html_url: 'https://github.com/octo/demo/pull/12',
    head_branch: `auto-code/issue-${issue}`,
    head_sha: 'a'.repeat(40),
    sender: 'maintainer',
    event: 'pull_request_review_comment.created',
    enqueued_at: '2026-11-25T10:00:01Z',
    ...rest,
    trigger: {
      type: 'review_comment',
      id: 2001,
      author: 'maintainer',
      body: '@codingworker greet the world, not just "hi"',
      body_truncated: false,
      updated_at: '2026-11-25T10:00:00Z',
      html_url: 'https://github.com/octo/demo/pull/12#discussion_r2001',
      ...trigger,
    },
  };
}
