import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  createCloudWatchMetrics,
  createTaskMetrics,
  noTaskMetrics,
} from '../../worker/daemon/cloudwatch-metrics.ts';

function fakeClient(fail = false) {
  const sent: PutMetricDataCommand['input'][] = [];
  return {
    sent,
    async send(command: PutMetricDataCommand) {
      if (fail) throw new Error('User is not authorized to perform: cloudwatch:PutMetricData');
      sent.push(command.input);
      return {};
    },
  };
}

function fakeLogger() {
  const warnings: Array<{ meta: unknown; message: string }> = [];
  return {
    warnings,
    warn: (meta: object, message: string) => {
      warnings.push({ meta, message });
    },
    debug() {},
  };
}

describe('cloudwatch metrics', () => {
  test('aggregates a minute of tasks into one PutMetricData: counts per outcome and one duration set', async () => {
    const client = fakeClient();
    const metrics = createCloudWatchMetrics({ namespace: 'CodingWorker', client });
    metrics.recordTask('completed', 1_000);
    metrics.recordTask('completed', 3_000);
    metrics.recordTask('retried', 500);
    await metrics.flush();
    assert.equal(client.sent.length, 1);
    const [batch] = client.sent;
    assert.equal(batch?.Namespace, 'CodingWorker');
    const data = batch?.MetricData ?? [];
    const counts = data
      .filter((datum) => datum.MetricName === 'Tasks')
      .map((datum) => [datum.Dimensions?.[0]?.Value, datum.Value, datum.Unit]);
    assert.deepEqual(counts, [
      ['completed', 2, 'Count'],
      ['retried', 1, 'Count'],
    ]);
    const duration = data.find((datum) => datum.MetricName === 'TaskDuration');
    assert.equal(duration?.Unit, 'Milliseconds');
    assert.deepEqual(duration?.StatisticValues, { SampleCount: 3, Sum: 4_500, Minimum: 500, Maximum: 3_000 });
    assert.equal(duration?.Dimensions, undefined);
    await metrics.close();
  });

  test('nothing is sent when nothing happened, and a flushed sample is not sent twice', async () => {
    const client = fakeClient();
    const metrics = createCloudWatchMetrics({ namespace: 'CodingWorker', client });
    await metrics.flush();
    metrics.recordTask('skipped', 10);
    await metrics.flush();
    await metrics.flush();
    await metrics.close();
    assert.equal(client.sent.length, 1);
  });

  test('a refused or unreachable CloudWatch is logged with the fix and never throws', async () => {
    const logger = fakeLogger();
    const metrics = createCloudWatchMetrics({ namespace: 'CodingWorker', client: fakeClient(true), logger });
    metrics.recordTask('completed', 5);
    await metrics.close();
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!.message, /cloudwatch:PutMetricData/);
  });

  test('sends on its own timer and sends the rest on close', async () => {
    const client = fakeClient();
    const metrics = createCloudWatchMetrics({ namespace: 'N', client, flushIntervalSeconds: 0.05 });
    metrics.recordTask('completed', 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(client.sent.length, 1);
    metrics.recordTask('completed', 2);
    await metrics.close();
    assert.equal(client.sent.length, 2);
  });

  test('ignores impossible durations rather than sending them', async () => {
    const client = fakeClient();
    const metrics = createCloudWatchMetrics({ namespace: 'N', client });
    metrics.recordTask('completed', Number.NaN);
    metrics.recordTask('completed', -1);
    await metrics.close();
    assert.equal(client.sent.length, 0);
  });

  test('off unless CW_CLOUDWATCH_NAMESPACE is set', () => {
    assert.equal(createTaskMetrics({ namespace: undefined }), noTaskMetrics);
    assert.notEqual(
      createTaskMetrics({ namespace: 'CodingWorker', region: 'ap-northeast-1' }),
      noTaskMetrics,
    );
  });
});
