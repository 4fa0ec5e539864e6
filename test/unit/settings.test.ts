import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSettings, SettingsError } from '../../worker/core/settings.ts';

test('defaults: the embedded queue, one task at a time, the timings of docs/requirements.md#queue', () => {
  const settings = loadSettings({});
  assert.equal(settings.queue.url, undefined);
  assert.equal(settings.queue.concurrency, 1);
  assert.equal(settings.queue.waitTimeSeconds, 20);
  assert.equal(settings.queue.visibilityTimeoutSeconds, 3_600);
  assert.equal(settings.queue.taskTimeoutSeconds, 3_600);
  assert.deepEqual(settings.queue.retryDelaysSeconds, [0, 60, 300]);
  assert.equal(settings.queue.embeddedPort, 9_324);
  assert.equal(settings.log.retentionDays, 7);
  assert.equal(settings.health.port, 9_464);
});

test('the environment names of the contract are read', () => {
  const settings = loadSettings({
    CW_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/codingworker-tasks',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
    CW_LOG_FILE: '/tmp/worker.log',
    CW_WORKER_ID: 'laptop',
    CW_CONCURRENCY: '2',
    CW_RETRY_DELAYS: '0, 5,10',
  });
  assert.equal(settings.queue.url, 'https://sqs.eu-west-1.amazonaws.com/123456789012/codingworker-tasks');
  assert.equal(settings.queue.region, 'eu-west-1');
  assert.equal(settings.queue.endpoint, 'http://127.0.0.1:4566');
  assert.equal(settings.log.file, '/tmp/worker.log');
  assert.equal(settings.workerId, 'laptop');
  assert.equal(settings.queue.concurrency, 2);
  assert.deepEqual(settings.queue.retryDelaysSeconds, [0, 5, 10]);
});

test('a heartbeat not below the visibility timeout fails at start-up saying what to change', () => {
  assert.throws(
    () => loadSettings({ CW_HEARTBEAT_INTERVAL: '900', CW_VISIBILITY_TIMEOUT: '600' }),
    (error: unknown) =>
      error instanceof SettingsError &&
      /CW_HEARTBEAT_INTERVAL: heartbeat 900 s must be below the visibility timeout 600 s: lower CW_HEARTBEAT_INTERVAL or raise CW_VISIBILITY_TIMEOUT/.test(
        error.message,
      ),
  );
});

test('bad values name their environment variable', () => {
  assert.throws(() => loadSettings({ CW_CONCURRENCY: '0' }), /CW_CONCURRENCY/);
  assert.throws(() => loadSettings({ CW_RETRY_DELAYS: '0,soon' }), /CW_RETRY_DELAYS/);
  assert.throws(() => loadSettings({ CW_WAIT_TIME_SECONDS: '30' }), /CW_WAIT_TIME_SECONDS/);
  assert.throws(() => loadSettings({ CW_LOG_LEVEL: 'verbose' }), /CW_LOG_LEVEL/);
  assert.throws(() => loadSettings({ CW_EMBEDDED_QUEUE_PORT: '70000' }), /CW_EMBEDDED_QUEUE_PORT/);
});

test("CW_ALLOWED_BOTS lists bot logins as the action's allowed-bots input does, default none", () => {
  assert.deepEqual(loadSettings({}).github.allowedBots, []);
  assert.deepEqual(loadSettings({ CW_ALLOWED_BOTS: 'renovate[bot], dependabot[bot]' }).github.allowedBots, [
    'renovate[bot]',
    'dependabot[bot]',
  ]);
  assert.throws(
    () => loadSettings({ CW_ALLOWED_BOTS: 'ok[bot], not a login!' }),
    (error: unknown) =>
      error instanceof SettingsError && /CW_ALLOWED_BOTS: must list bot logins/.test(error.message),
  );
});
