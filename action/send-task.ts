// The task queue (SQS) behind a one-method interface. The SDK does the retrying (maxAttempts), and AWS
// errors are turned into messages that say what to change.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsCredentials } from './aws-credentials.ts';
import type { EncodedTaskMessage } from './task-message.ts';

export interface TaskQueue {
  /** Sends one task message and returns its SQS MessageId. */
  send(message: EncodedTaskMessage): Promise<string>;
  close(): void;
}

export interface TaskQueueOptions {
  queueUrl: string;
  region: string;
  /** Undefined: the SDK's ambient credential chain (environment, configure-aws-credentials, ...). */
  credentials?: AwsCredentials | undefined;
  /** Attempts per send, including the first, with the SDK's standard backoff. Default: 5. */
  maxAttempts?: number;
  env?: NodeJS.ProcessEnv;
}

export function createTaskQueue(options: TaskQueueOptions): TaskQueue {
  const env = options.env ?? process.env;
  const client = new SQSClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // By default the SDK sends to the queue URL's host even when AWS_ENDPOINT_URL_SQS is set; an explicit
    // endpoint override must win (local emulators, VPC endpoints).
    ...(env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL ? { useQueueUrlAsEndpoint: false } : {}),
  });
  return {
    async send(message) {
      try {
        const result = await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: message.body,
            MessageAttributes: message.attributes,
          }),
        );
        if (!result.MessageId) throw new Error('SQS answered without a MessageId');
        return result.MessageId;
      } catch (error) {
        throw new Error(sendAdvice(error, options), { cause: error });
      }
    },
    close: () => client.destroy(),
  };
}

/** What to change, from the SDK error's type (never from its message text). */
export function sendAdvice(error: unknown, options: TaskQueueOptions): string {
  const name = (error as { name?: string }).name ?? 'Error';
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const queue = options.queueUrl;
  switch (name) {
    case 'QueueDoesNotExist':
    case 'AWS.SimpleQueueService.NonExistentQueue':
      return `there is no queue at ${queue} in ${options.region} (${detail}): check queue-url and aws-region`;
    case 'AccessDenied':
    case 'AccessDeniedException':
      return (
        `AWS refused SendMessage to ${queue} (${detail}): allow sqs:SendMessage on this queue ` +
        'for the role in role-to-assume (or the credentials configured before this step)'
      );
    case 'KmsAccessDenied':
    case 'KmsDisabled':
    case 'KmsNotFound':
      return `the queue's KMS key refused the message (${detail}): allow kms:GenerateDataKey and kms:Decrypt for the role`;
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'ExpiredToken':
    case 'SignatureDoesNotMatch':
      return `AWS did not accept the credentials (${detail}): check role-to-assume or the AWS credentials step`;
    case 'CredentialsProviderError':
      return (
        'no AWS credentials were found: set role-to-assume (GitHub OIDC), or configure credentials ' +
        'before this step (e.g. aws-actions/configure-aws-credentials)'
      );
    default: {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === undefined) {
        return (
          `could not reach SQS for ${queue} after ${options.maxAttempts ?? 5} attempts (${name}: ${detail}): ` +
          'check queue-url, aws-region and the runner network, then re-run the job'
        );
      }
      return `SQS refused the message for ${queue} (HTTP ${status} ${name}: ${detail})`;
    }
  }
}
