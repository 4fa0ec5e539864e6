// The real CloudWatch SDK client against a local HTTP server standing in for CloudWatch: the request the
// worker's metrics make on the wire (AWS JSON 1.0, PutMetricData), found through AWS_ENDPOINT_URL_CLOUDWATCH.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createTaskMetrics } from '../../worker/daemon/cloudwatch-metrics.ts';

const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end('{}');
  });
});
const saved = { ...process.env };

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLEEXAMPLE00';
  process.env.AWS_SECRET_ACCESS_KEY = 'example-secret-not-real';
});
after(() => {
  process.env = saved;
  server.close();
});

test('PutMetricData reaches the endpoint, signed, with the namespace, outcomes and durations', async () => {
  const metrics = createTaskMetrics({ namespace: 'CodingWorkerTest', region: 'ap-northeast-1' });
  metrics.recordTask('completed', 120_000);
  metrics.recordTask('dead-lettered', 30_000);
  await metrics.close();
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request?.headers['x-amz-target'], 'GraniteServiceVersion20100801.PutMetricData');
  assert.match(
    String(request?.headers.authorization),
    /Credential=AKIAEXAMPLEEXAMPLE00\/\d+\/ap-northeast-1\/monitoring\//,
  );
  const body = JSON.parse(request!.body);
  assert.equal(body.Namespace, 'CodingWorkerTest');
  const tasks = body.MetricData.filter((datum: { MetricName: string }) => datum.MetricName === 'Tasks');
  assert.deepEqual(
    tasks.map((datum: { Dimensions: Array<{ Value: string }>; Value: number }) => [
      datum.Dimensions[0]?.Value,
      datum.Value,
    ]),
    [
      ['completed', 1],
      ['dead-lettered', 1],
    ],
  );
  const duration = body.MetricData.find(
    (datum: { MetricName: string }) => datum.MetricName === 'TaskDuration',
  );
  assert.deepEqual(duration.StatisticValues, {
    SampleCount: 2,
    Sum: 150_000,
    Minimum: 30_000,
    Maximum: 120_000,
  });
  assert.doesNotMatch(request!.body, /example-secret-not-real/);
});
