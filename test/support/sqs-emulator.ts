// A real SQS emulator (fauxqs) on 127.0.0.1 with a task queue and its dead-letter queue, for tests that
// use the real @aws-sdk/client-sqs. Queue URLs are given on 127.0.0.1 because fauxqs's own
// sqs.<region>.localhost host does not resolve everywhere (docs/worker.md#the-embedded-queue-no-aws).
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';

export interface SqsEmulator {
  server: FauxqsServer;
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  queueName: string;
  dlqName: string;
  /** A client with dummy credentials pointed at the emulator. */
  client(): SQSClient;
  /** Environment for a child process (worker or action) to reach the emulator with the real SDK. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startSqsEmulator(
  options: { maxReceiveCount?: number; visibilityTimeout?: number; dataDir?: string } = {},
): Promise<SqsEmulator> {
  const server = await startFauxqs({ port: 0, logger: false, host: 'localhost', dataDir: options.dataDir });
  const endpoint = `http://127.0.0.1:${server.port}`;
  counter += 1;
  const dlqName = `codingworker-tasks-dlq-${process.pid}-${counter}`;
  const queueName = `codingworker-tasks-${process.pid}-${counter}`;
  const dlq = server.createQueue(dlqName, { attributes: { MessageRetentionPeriod: '1209600' } });
  server.createQueue(queueName, {
    attributes: {
      VisibilityTimeout: String(options.visibilityTimeout ?? 3600),
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '20',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount ?? 3,
      }),
    },
  });
  const localUrl = (name: string) => `${endpoint}/000000000000/${name}`;
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAEMULATOREXAMPLE0',
    AWS_SECRET_ACCESS_KEY: 'emulator-secret',
    AWS_ENDPOINT_URL_SQS: endpoint,
  };
  return {
    server,
    endpoint,
    queueName,
    dlqName,
    queueUrl: localUrl(queueName),
    dlqUrl: localUrl(dlqName),
    env,
    client: () =>
      new SQSClient({
        region: env.AWS_REGION,
        endpoint,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      }),
    stop: () => server.stop(),
  };
}
