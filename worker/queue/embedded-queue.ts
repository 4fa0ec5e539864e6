// The embedded local queue: with no CW_QUEUE_URL the daemon runs fauxqs (an SQS emulator) in its own
// process, so the whole system works with no AWS account. State is written through to SQLite under the
// work directory (fauxqs dataDir), so queued, delayed, in-flight and dead-lettered messages survive a
// restart of the daemon (see docs/worker.md for what was checked).
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { type FauxqsServer, startFauxqs } from 'fauxqs';

export const TASK_QUEUE_NAME = 'codingworker-tasks';
export const DEAD_LETTER_QUEUE_NAME = 'codingworker-tasks-dlq';
/** fauxqs's fixed account id. */
const ACCOUNT = '000000000000';

/** The same attributes as the production queues (infra/ and docs/requirements.md#queue). */
export const TASK_QUEUE_ATTRIBUTES = {
  VisibilityTimeout: '3600',
  MessageRetentionPeriod: String(4 * 24 * 3600),
  ReceiveMessageWaitTimeSeconds: '20',
};
export const DEAD_LETTER_QUEUE_ATTRIBUTES = { MessageRetentionPeriod: String(14 * 24 * 3600) };
export const MAX_RECEIVE_COUNT = 3;

/** Dummy credentials: fauxqs accepts any signature; the SDK insists on having some. */
export const EMBEDDED_CREDENTIALS = {
  accessKeyId: 'codingworker-local',
  secretAccessKey: 'codingworker-local',
};

/** Where the embedded queue's URL points; `codingworker enqueue` uses it to find a running daemon. */
export function embeddedQueueUrl(port: number, name = TASK_QUEUE_NAME): string {
  return `http://127.0.0.1:${port}/${ACCOUNT}/${name}`;
}

export interface EmbeddedQueue {
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * fauxqs always listens on 0.0.0.0, which would let anyone on the same Wi-Fi enqueue tasks. While it starts,
 * a listen on 0.0.0.0 is redirected to 127.0.0.1; nothing else listens during that await.
 */
async function onLoopbackOnly<T>(start: () => Promise<T>): Promise<T> {
  const original = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (first && typeof first === 'object' && (first as net.ListenOptions).host === '0.0.0.0') {
      args[0] = { ...(first as net.ListenOptions), host: '127.0.0.1' };
    }
    return original.apply(this, args as Parameters<typeof original>);
  } as typeof original;
  try {
    return await start();
  } finally {
    net.Server.prototype.listen = original;
  }
}

export async function startEmbeddedQueue(options: { port: number; dataDir: string }): Promise<EmbeddedQueue> {
  mkdirSync(options.dataDir, { recursive: true });
  let server: FauxqsServer;
  try {
    server = await onLoopbackOnly(() =>
      startFauxqs({ port: options.port, host: '127.0.0.1', logger: false, dataDir: options.dataDir }),
    );
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port} on 127.0.0.1 is in use (another codingworker start?): stop it or set CW_EMBEDDED_QUEUE_PORT`,
      );
    }
    throw error;
  }
  // Created only when missing: fauxqs's createQueue replaces a queue, and with it the restored messages.
  const dlqArn = server.inspectQueue(DEAD_LETTER_QUEUE_NAME)?.arn;
  const deadLetterArn =
    dlqArn ??
    server.createQueue(DEAD_LETTER_QUEUE_NAME, { attributes: DEAD_LETTER_QUEUE_ATTRIBUTES }).queueArn;
  if (!server.inspectQueue(TASK_QUEUE_NAME)) {
    server.createQueue(TASK_QUEUE_NAME, {
      attributes: {
        ...TASK_QUEUE_ATTRIBUTES,
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterArn,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      },
    });
  }
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    queueUrl: embeddedQueueUrl(server.port),
    dlqUrl: embeddedQueueUrl(server.port, DEAD_LETTER_QUEUE_NAME),
    port: server.port,
    dataDir: options.dataDir,
    stop: () => server.stop(),
  };
}
