// The dead-letter queue module against fauxqs: finding the DLQ from the RedrivePolicy, moving a message
// with its reason, listing, and redriving without the failure attributes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { loadSettings } from '../../worker/core/settings.ts';
import { queueCheck } from '../../worker/daemon/doctor.ts';
import {
  createDeadLetterQueue,
  FAILURE_ATTRIBUTES,
  QueueSetupError,
  resolveDeadLetterTarget,
} from '../../worker/queue/dead-letter.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';
import { receiveAll, sendTask } from '../support/task-messages.ts';

let sqs: SqsEmulator;
before(async () => {
  sqs = await startSqsEmulator();
});
after(async () => {
  await sqs.stop();
});

test('the DLQ is found from the RedrivePolicy, on the same endpoint as the queue URL', async () => {
  const target = await resolveDeadLetterTarget(sqs.client(), sqs.queueUrl);
  assert.deepEqual(target, { dlqUrl: sqs.dlqUrl, maxReceiveCount: 3 });
});

test('a queue without a RedrivePolicy is refused with what to change', async () => {
  const client = sqs.client();
  await client.send(new CreateQueueCommand({ QueueName: `plain-${process.pid}` }));
  await assert.rejects(
    resolveDeadLetterTarget(client, `${sqs.endpoint}/000000000000/plain-${process.pid}`),
    (error: unknown) =>
      error instanceof QueueSetupError && /no RedrivePolicy: give it a dead-letter queue/.test(error.message),
  );
});

test('send moves a message with its reason; list shows it; redrive strips the failure attributes', async () => {
  const client = sqs.client();
  const dlq = createDeadLetterQueue(client, sqs.dlqUrl);
  await sendTask(client, sqs.queueUrl, 77);
  const [received] = await receiveAll(client, sqs.queueUrl);
  await dlq.send(received!, sqs.queueUrl, {
    kind: 'permanent',
    reason: `refused: token ghp_CANARYcanaryCANARYcanaryCANARYcan123 is not allowed`,
    workerId: 'w-9',
    receiveCount: 1,
  });
  const listed = await dlq.list();
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.issue, '77');
  assert.equal(listed[0]!.failureKind, 'permanent');
  assert.equal(listed[0]!.failureReason, 'refused: token [REDACTED] is not allowed', 'reasons are redacted');
  assert.equal(listed[0]!.receiveCount, '1');

  assert.equal(await dlq.redrive(sqs.queueUrl), 1);
  const [back] = await receiveAll(client, sqs.queueUrl);
  assert.equal(back!.Body, received!.Body);
  assert.deepEqual(Object.keys(back!.MessageAttributes ?? {}).sort(), ['IssueNumber', 'Repository']);
  for (const name of FAILURE_ATTRIBUTES) assert.ok(!(name in (back!.MessageAttributes ?? {})));
  assert.deepEqual(await dlq.list(), []);
});

test('doctor gives the maxReceiveCount that CW_RETRY_DELAYS needs, not the default', async () => {
  const settings = loadSettings({ CW_QUEUE_URL: sqs.queueUrl, CW_RETRY_DELAYS: '0,60,300,600,900' });
  const result = await queueCheck(settings, sqs.client())();
  assert.equal(Array.isArray(result) ? result[0]?.ok : result.ok, false);
  const line = Array.isArray(result) ? result[0]! : result;
  assert.match(line.fix ?? line.detail, /below the 5 deliveries .*set maxReceiveCount to 5/);
});
