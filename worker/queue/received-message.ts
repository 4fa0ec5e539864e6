// Turns a received SQS message into a task and the logger that carries its identity. A body that is not
// a valid task message is only good for the dead-letter queue; its attributes still name the issue so
// the log line can be found.
import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { type AnyTask, parseTaskMessage } from '../../action/task-message.ts';
import { taskLogger } from '../core/logger.ts';

export type ReceivedMessage =
  | { ok: true; task: AnyTask; receiveCount: number; log: Logger }
  | { ok: false; reason: string; receiveCount: number; log: Logger };

export function decodeMessage(message: Message, logger: Logger): ReceivedMessage {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  const parsed = parseTaskMessage(message.Body ?? '');
  if (parsed.ok) {
    const log = taskLogger(logger, parsed.task).child({ message_id: message.MessageId });
    return { ok: true, task: parsed.task, receiveCount, log };
  }
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? null;
  const issue = attribute('IssueNumber');
  const log = logger.child({
    issue_number: issue === null ? null : Number(issue),
    repository: attribute('Repository'),
    message_id: message.MessageId,
  });
  return { ok: false, reason: parsed.reason, receiveCount, log };
}
