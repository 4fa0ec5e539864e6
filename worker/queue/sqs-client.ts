// The SQS client every part of the worker uses, for AWS and for the embedded queue alike.
import { SQSClient } from '@aws-sdk/client-sqs';
import { regionFromQueueUrl } from '../../action/queue-url.ts';

export interface SqsClientOptions {
  queueUrl: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  /** Only for the embedded queue, which accepts any key; AWS uses the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createSqsClient(options: SqsClientOptions): SQSClient {
  return new SQSClient({
    region: options.region ?? regionFromQueueUrl(options.queueUrl) ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}
