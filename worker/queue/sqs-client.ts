// Which queue the worker talks to, and the SQS client for it: CW_QUEUE_URL when set (AWS, or any SQS API
// at CW_SQS_ENDPOINT), else the embedded queue. The daemon runs the embedded queue; every other command
// (doctor, enqueue, dlq) reaches the one a running daemon serves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { regionFromQueueUrl } from '../../action/queue-url.ts';
import type { Settings } from '../core/settings.ts';
import { EMBEDDED_CREDENTIALS, embeddedQueueUrl, startEmbeddedQueue } from './embedded-queue.ts';
import { lockWorkDir } from './work-dir-lock.ts';

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

export interface QueueConnection {
  queueUrl: string;
  client: SQSClient;
  /** True when CW_QUEUE_URL is unset and the embedded queue is meant. */
  embedded: boolean;
}

function embeddedConnection(queueUrl: string): QueueConnection {
  const endpoint = new URL(queueUrl).origin;
  return {
    queueUrl,
    embedded: true,
    client: createSqsClient({ queueUrl, endpoint, credentials: EMBEDDED_CREDENTIALS }),
  };
}

/** The queue the settings point at: CW_QUEUE_URL, else the embedded queue of a running daemon. */
export function configuredQueue(settings: Settings): QueueConnection {
  const { url, region, endpoint } = settings.queue;
  if (!url) return embeddedConnection(embeddedQueueUrl(settings.queue.embeddedPort));
  return { queueUrl: url, embedded: false, client: createSqsClient({ queueUrl: url, region, endpoint }) };
}

export interface OpenQueue extends QueueConnection {
  /** Destroys the client, then stops the embedded queue if this process runs it. */
  close(): Promise<void>;
}

/**
 * For the daemon: the configured queue, starting the embedded one (state under CW_WORK_DIR/queue) when
 * CW_QUEUE_URL is unset.
 */
export async function openQueue(settings: Settings, logger: Logger): Promise<OpenQueue> {
  if (settings.queue.url) {
    const queue = configuredQueue(settings);
    return { ...queue, close: async () => queue.client.destroy() };
  }
  const dataDir = join(settings.agent.workDir, 'queue');
  mkdirSync(dataDir, { recursive: true });
  // Before the queue starts: a second daemon on the same state must not deliver a single message.
  const lock = lockWorkDir(dataDir, settings.agent.workDir);
  let embedded: Awaited<ReturnType<typeof startEmbeddedQueue>>;
  try {
    embedded = await startEmbeddedQueue({ port: settings.queue.embeddedPort, dataDir });
  } catch (error) {
    lock.release();
    throw error;
  }
  logger.info({ queue_url: embedded.queueUrl, data_dir: dataDir }, 'embedded queue started');
  const queue = embeddedConnection(embedded.queueUrl);
  return {
    ...queue,
    async close() {
      queue.client.destroy();
      await embedded.stop();
      lock.release();
    },
  };
}
