// What the end-to-end stack does on the queue and on the test GitHub server's state, as functions of the
// parts they touch: feed tasks straight to the queue, duplicate a waiting message, count messages, and read
// one issue's outcome.
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { encodeTaskMessage, taskFromIssuesEvent } from '../../action/task-message.ts';
import type { CommentState, GitHubServer, PullState } from './github-server.ts';
import type { SqsEmulator } from './sqs-emulator.ts';
import { issuesPayload } from './webhooks.ts';

export const OWNER = 'octo';
export const REPO = 'demo';
export const FULL_NAME = `${OWNER}/${REPO}`;
/** Who labels issues in the real payload (@octokit/webhooks-examples' issues.labeled sender). */
export const LABELLER = 'Codertocat';

export interface IssueState {
  number: number;
  pulls: PullState[];
  comments: CommentState[];
  statuses: Array<{ sha: string; state: string; description: string | null }>;
  branchSha: string | undefined;
}

/** The real issues.labeled payload, pointed at one of the stack's issues and labelled auto-code. */
export function labelledPayload(number: number, title: string, body: string) {
  const payload = issuesPayload('labeled') as unknown as {
    repository: { full_name: string; name: string; owner: { login: string } };
    issue: { number: number; title: string; body: string; labels: Array<{ name: string }> };
    label: { name: string };
  };
  payload.repository.full_name = FULL_NAME;
  payload.repository.name = REPO;
  payload.repository.owner.login = OWNER;
  payload.issue.number = number;
  payload.issue.title = title;
  payload.issue.body = body;
  payload.issue.labels = [{ ...payload.issue.labels?.[0], name: 'auto-code' }];
  payload.label.name = 'auto-code';
  return payload;
}

/** Adds `count` labelled issues and sends their task messages to the queue in batches of ten. */
export async function enqueueDirect(
  github: GitHubServer,
  sqs: SqsEmulator,
  count: number,
): Promise<number[]> {
  const client = sqs.client();
  const numbers: number[] = [];
  try {
    for (let first = 0; first < count; first += 10) {
      const entries = [];
      for (let index = first; index < Math.min(count, first + 10); index++) {
        const created = github.addIssue(FULL_NAME, {
          title: `Add a greeting ${index}`,
          body: 'Please add hello() to hello.py.',
          labels: ['auto-code'],
          user: LABELLER,
        });
        numbers.push(created.number);
        const payload = labelledPayload(created.number, created.title, created.body);
        const encoded = encodeTaskMessage(
          taskFromIssuesEvent(payload as never, { triggerLabel: 'auto-code' }),
        );
        entries.push({ Id: String(index), MessageBody: encoded.body, MessageAttributes: encoded.attributes });
      }
      await client.send(new SendMessageBatchCommand({ QueueUrl: sqs.queueUrl, Entries: entries }));
    }
  } finally {
    client.destroy();
  }
  return numbers;
}

/** Sends a second copy of the message waiting on the queue (SQS's at-least-once delivery). */
export async function duplicateQueued(sqs: SqsEmulator): Promise<void> {
  const client = sqs.client();
  try {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 5,
        MessageAttributeNames: ['All'],
      }),
    );
    const [message] = Messages;
    if (!message) throw new Error('no message on the queue to duplicate');
    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl,
        MessageBody: message.Body,
        MessageAttributes: message.MessageAttributes,
      }),
    );
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: sqs.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  } finally {
    client.destroy();
  }
}

/** Messages on the task queue and its DLQ (visible + in flight). */
export async function queueDepth(sqs: SqsEmulator): Promise<{ queue: number; dlq: number }> {
  const client = sqs.client();
  const count = async (url: string) => {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  try {
    return { queue: await count(sqs.queueUrl), dlq: await count(sqs.dlqUrl) };
  } finally {
    client.destroy();
  }
}

/** One issue's outcome on the test server: its pull requests, comments, and the statuses of its branch. */
export async function issueState(github: GitHubServer, number: number): Promise<IssueState> {
  const repo = github.repository(FULL_NAME);
  const branch = `auto-code/issue-${number}`;
  const branchSha = await github.branchSha(FULL_NAME, branch);
  return {
    number,
    pulls: repo.pulls.filter((pull) => pull.head === branch),
    comments: repo.comments.filter((comment) => comment.issueNumber === number),
    statuses: repo.statuses
      .filter((status) => status.sha === branchSha)
      .map(({ sha, state, description }) => ({ sha, state, description })),
    branchSha,
  };
}
