// The embedded queue (fauxqs in-process): loopback only, production attributes, and what survives a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EMBEDDED_CREDENTIALS, startEmbeddedQueue } from '../../worker/queue/embedded-queue.ts';
import { eventually, receiveAll, sendRaw } from '../support/task-messages.ts';

const client = (endpoint: string) =>
  new SQSClient({ region: 'us-east-1', endpoint, credentials: EMBEDDED_CREDENTIALS });

/** Local addresses listening on this TCP port, from /proc/net/tcp{,6} (hex, as the kernel writes them). */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => fields[1]!.split(':')[0]!),
  );
}

test('listens on 127.0.0.1 only, with the production queue attributes', async () => {
  const queue = await startEmbeddedQueue({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'cw-eq-')) });
  try {
    assert.deepEqual(listeners(queue.port), ['0100007F'], 'bound to something other than 127.0.0.1');
    const sqs = client(queue.endpoint);
    const { Attributes: task } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ['All'] }),
    );
    assert.equal(task?.VisibilityTimeout, '3600');
    assert.equal(task?.MessageRetentionPeriod, '345600');
    assert.deepEqual(JSON.parse(task?.RedrivePolicy ?? '{}'), {
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:codingworker-tasks-dlq',
      maxReceiveCount: 3,
    });
    const { Attributes: dlq } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.dlqUrl, AttributeNames: ['All'] }),
    );
    assert.equal(dlq?.MessageRetentionPeriod, '1209600');
  } finally {
    await queue.stop();
  }
});

test('waiting, in-flight and dead-lettered messages survive a restart on the same data directory', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-eq-'));
  const first = await startEmbeddedQueue({ port: 0, dataDir });
  const sqs = client(first.endpoint);
  await sendRaw(sqs, first.queueUrl, 'in flight');
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: first.queueUrl, VisibilityTimeout: 2, WaitTimeSeconds: 0 }),
  );
  assert.equal(Messages?.[0]?.Body, 'in flight');
  await sendRaw(sqs, first.queueUrl, 'waiting');
  await sendRaw(sqs, first.dlqUrl, 'dead');
  await first.stop();

  const second = await startEmbeddedQueue({ port: first.port, dataDir });
  try {
    const again = client(second.endpoint);
    assert.deepEqual(
      (await receiveAll(again, second.queueUrl)).map((message) => message.Body),
      ['waiting'],
      'the in-flight message stays hidden until its visibility deadline',
    );
    const returned: string[] = [];
    await eventually(
      async () => {
        returned.push(...(await receiveAll(again, second.queueUrl)).map((message) => message.Body!));
        return returned.includes('in flight');
      },
      5_000,
      'the in-flight message to come back',
    );
    assert.deepEqual(
      (await receiveAll(again, second.dlqUrl)).map((message) => message.Body),
      ['dead'],
    );
  } finally {
    await second.stop();
  }
});

test('a second embedded queue on a port in use fails with what to change', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-eq-'));
  const first = await startEmbeddedQueue({ port: 0, dataDir });
  try {
    await assert.rejects(
      startEmbeddedQueue({ port: first.port, dataDir: mkdtempSync(join(tmpdir(), 'cw-eq-')) }),
      /in use.*CW_EMBEDDED_QUEUE_PORT/,
    );
  } finally {
    await first.stop();
  }
});
