// Keeps a received message hidden from other workers while its task runs: SQS makes it visible again
// after the visibility timeout, and a task may take the full hour (docs/requirements.md#worker).
import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { Settings } from '../core/settings.ts';

/** Hides the message for `seconds` from now (a small value gives it back to the queue). */
export async function setVisibility(
  client: SQSClient,
  queueUrl: string,
  message: Message,
  seconds: number,
): Promise<void> {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}

export interface Heartbeat {
  /** Stops extending the visibility; safe to call more than once. */
  stop(): void;
}

/**
 * Extends the visibility every heartbeat interval until stopped. Stop it before any visibility change that
 * ends the delivery (release, retry later), or a late beat would hide the message again.
 */
export function startHeartbeat(
  client: SQSClient,
  queueUrl: string,
  message: Message,
  settings: Settings['queue'],
  log: Logger,
): Heartbeat {
  const timer = setInterval(() => {
    setVisibility(client, queueUrl, message, settings.visibilityTimeoutSeconds).catch((error: unknown) => {
      log.warn({ error }, 'heartbeat could not extend the message visibility');
    });
  }, settings.heartbeatIntervalSeconds * 1_000);
  return { stop: () => clearInterval(timer) };
}
