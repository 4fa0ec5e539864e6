import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMetrics, startHealthServer } from '../../worker/daemon/health-server.ts';

const idle = () => ({
  polling: true,
  lastPollAt: undefined,
  inFlight: 0,
  queueUrl: undefined,
  lastError: undefined,
});

test('a health port already in use fails with the setting to change, not a bare EADDRINUSE', async (t) => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  t.after(() => squatter.close());
  const port = (squatter.address() as AddressInfo).port;
  await assert.rejects(
    startHealthServer(port, createMetrics(), idle),
    new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*CW_HEALTH_PORT`),
  );
});

test('the health server answers /healthz on the port it bound', async (t) => {
  const server = await startHealthServer(0, createMetrics(), idle);
  t.after(() => server.close());
  const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { status: string }).status, 'ok');
});

test('/healthz is not ok when the disk under CW_WORK_DIR is full, and says why', async (t) => {
  // A disk-check double: what diskProblem reports for a full disk.
  const full = async () => 'only 8 MB free under /work/cw (CW_WORK_DIR)';
  const server = await startHealthServer(0, createMetrics(), idle, full);
  t.after(() => server.close());
  const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  assert.equal(response.status, 503);
  const body = (await response.json()) as { status: string; disk: string };
  assert.equal(body.status, 'degraded');
  assert.equal(body.disk, 'only 8 MB free under /work/cw (CW_WORK_DIR)');
});
