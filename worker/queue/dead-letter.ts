// The dead-letter queue: where a task goes when it will not be retried, carrying why. The worker moves
// messages there itself (SendMessage with the failure attributes, then DeleteMessage) rather than letting
// SQS redrive them after the last receive, because SQS's own move drops the reason. SQS's redrive still
// catches messages whose worker crashed on every delivery.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { FailureKind } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';

/** The queue is not set up the way the worker needs; the message says what to change. */
export class QueueSetupError extends Error {
  override name = 'QueueSetupError';
}

/** Attributes the worker adds when it dead-letters a message; redrive removes them again. */
export const FAILURE_ATTRIBUTES = [
  'FailureKind',
  'FailureReason',
  'WorkerId',
  'FailedAt',
  'ReceiveCount',
  'OriginalMessageId',
] as const;

/**
 * Visibility used to give a message back. 1 s, not 0: fauxqs 2.4 (the embedded queue) loses a message on
 * ChangeMessageVisibility 0 when persistence is on (its SQLite update violates NOT NULL and the SDK's retry
 * then finds nothing in flight). One second makes no difference on SQS.
 */
export const RELEASE_VISIBILITY_SECONDS = 1;

/** SQS caps one string attribute with the body at 256 KiB; a reason this long is already unreadable. */
const REASON_LIMIT = 2_000;

export interface DeadLetterTarget {
  dlqUrl: string;
  maxReceiveCount: number;
}

/** The URL of another queue on the same endpoint and account as queueUrl. */
export function siblingQueueUrl(queueUrl: string, name: string): string {
  const url = new URL(queueUrl);
  const parts = url.pathname.split('/');
  parts[parts.length - 1] = name;
  url.pathname = parts.join('/');
  return url.toString();
}

/** Finds the dead-letter queue from the task queue's RedrivePolicy. */
export async function resolveDeadLetterTarget(
  client: SQSClient,
  queueUrl: string,
): Promise<DeadLetterTarget> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = Attributes?.RedrivePolicy;
  if (!policy) {
    throw new QueueSetupError(
      `the queue ${queueUrl} has no RedrivePolicy: give it a dead-letter queue with maxReceiveCount 3 (infra/ does this), or unset CW_QUEUE_URL to use the embedded queue`,
    );
  }
  const parsed = JSON.parse(policy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  const arn = parsed.deadLetterTargetArn ?? '';
  const name = arn.split(':').at(-1);
  if (!name)
    throw new QueueSetupError(`the queue ${queueUrl} has a RedrivePolicy without deadLetterTargetArn`);
  return { dlqUrl: siblingQueueUrl(queueUrl, name), maxReceiveCount: Number(parsed.maxReceiveCount ?? 3) };
}

export interface Failure {
  kind: FailureKind;
  reason: string;
  workerId: string;
  receiveCount: number;
}

export interface DeadLetteredMessage {
  messageId: string;
  issue?: string | undefined;
  repository?: string | undefined;
  failureKind?: string | undefined;
  failureReason?: string | undefined;
  failedAt?: string | undefined;
  receiveCount?: string | undefined;
}

export interface DeadLetterQueue {
  readonly url: string;
  /** Moves a received task message to the dead-letter queue with the failure, then deletes the original. */
  send(message: Message, fromQueueUrl: string, failure: Failure): Promise<void>;
  /** Every message in the dead-letter queue (they are received briefly, then released). */
  list(): Promise<DeadLetteredMessage[]>;
  /** Moves messages (all, or the one with this id) back to the task queue without the failure attributes. */
  redrive(toQueueUrl: string, messageId?: string): Promise<number>;
}

function copyAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
  omit: readonly string[] = [],
): Record<string, MessageAttributeValue> {
  const copy: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (omit.includes(name) || !value.DataType) continue;
    copy[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return copy;
}

const text = (value: string) => ({ DataType: 'String', StringValue: value });

/** Receives everything currently visible, hidden for a short while so each message is seen once. */
async function drain(client: SQSClient, dlqUrl: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  // A message another dlq command released a moment ago is hidden for RELEASE_VISIBILITY_SECONDS; wait
  // for it (briefly) rather than report an incomplete list.
  const patience = Date.now() + (RELEASE_VISIBILITY_SECONDS + 2) * 1_000;
  for (;;) {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    if (!Messages?.length) {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const hidden = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) - seen.size;
      if (hidden <= 0 || Date.now() > patience) return [...seen.values()];
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    for (const message of Messages) seen.set(message.MessageId!, message);
  }
}

/** Makes the messages `drain` received visible again (after RELEASE_VISIBILITY_SECONDS, see there). */
async function release(client: SQSClient, dlqUrl: string, messages: Message[]): Promise<void> {
  for (const message of messages) {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: dlqUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: RELEASE_VISIBILITY_SECONDS,
      }),
    );
  }
}

/** What `dlq list` shows of one message: its task and the failure attributes the worker wrote. */
function deadLettered(message: Message): DeadLetteredMessage {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  return {
    messageId: message.MessageId!,
    issue: attribute('IssueNumber'),
    repository: attribute('Repository'),
    failureKind: attribute('FailureKind'),
    failureReason: attribute('FailureReason'),
    failedAt: attribute('FailedAt'),
    receiveCount: attribute('ReceiveCount'),
  };
}

export function createDeadLetterQueue(client: SQSClient, dlqUrl: string): DeadLetterQueue {
  return {
    url: dlqUrl,

    async send(message, fromQueueUrl, failure) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: message.Body || '(empty body)',
          MessageAttributes: {
            ...copyAttributes(message.MessageAttributes, FAILURE_ATTRIBUTES),
            FailureKind: text(failure.kind),
            FailureReason: text(redactText(failure.reason).slice(0, REASON_LIMIT) || '(no reason given)'),
            WorkerId: text(failure.workerId),
            FailedAt: text(new Date().toISOString()),
            ReceiveCount: { DataType: 'Number', StringValue: String(failure.receiveCount) },
            OriginalMessageId: text(message.MessageId ?? 'unknown'),
          },
        }),
      );
      // Deleted only after the copy is safely in the DLQ: a crash in between leaves a duplicate, never a loss.
      await client.send(
        new DeleteMessageCommand({ QueueUrl: fromQueueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    },

    async list() {
      const messages = await drain(client, dlqUrl);
      await release(client, dlqUrl, messages);
      return messages.map(deadLettered);
    },

    async redrive(toQueueUrl, messageId) {
      const messages = await drain(client, dlqUrl);
      const chosen = messages.filter((message) => messageId === undefined || message.MessageId === messageId);
      for (const message of chosen) {
        await client.send(
          new SendMessageCommand({
            QueueUrl: toQueueUrl,
            MessageBody: message.Body,
            MessageAttributes: copyAttributes(message.MessageAttributes, FAILURE_ATTRIBUTES),
          }),
        );
        await client.send(
          new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
      await release(
        client,
        dlqUrl,
        messages.filter((message) => !chosen.includes(message)),
      );
      return chosen.length;
    },
  };
}
