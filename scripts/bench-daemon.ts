// Measures the daemon itself, with nothing behind it: idle memory of `codingworker start` on the embedded
// queue, and the per-message overhead of consumption (receive, parse, no-op handler, delete, logs).
// Run: node scripts/bench-daemon.ts [messages=300] [concurrency=1]
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { encodeTaskMessage, taskFromIssuesEvent } from '../action/task-message.ts';
import { CLI_ENTRY, DAEMON_ENTRY, type DaemonProcess, spawnDaemon } from '../test/support/daemon-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { issuesPayload } from '../test/support/webhooks.ts';
import { EMBEDDED_CREDENTIALS, startEmbeddedQueue } from '../worker/queue/embedded-queue.ts';
import { createSqsClient } from '../worker/queue/sqs-client.ts';

const messages = Number(process.argv[2] ?? 300);
const concurrency = process.argv[3] ?? '1';

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
}

function env(port: number): Record<string, string> {
  return {
    CW_WORK_DIR: mkdtempSync(join(tmpdir(), 'cw-bench-')),
    CW_EMBEDDED_QUEUE_PORT: String(port),
    CW_HEALTH_PORT: '0',
    CW_WORKER_ID: 'bench',
    CW_CONCURRENCY: concurrency,
  };
}

// 1. Idle RSS of the real CLI: started, polling an empty embedded queue, after 5 s of idling. Both the
// TypeScript sources (type stripping) and, when built (npm run build), bin/codingworker.js as installed.
const built = join(import.meta.dirname, '..', 'bin', 'codingworker.js');
const entries: Array<[string, string[]]> = [['worker/cli/cli.ts (type stripping)', [CLI_ENTRY, 'start']]];
if (existsSync(join(import.meta.dirname, '..', 'build', 'worker', 'cli', 'cli.js'))) {
  entries.push(['bin/codingworker.js (built)', [built, 'start']]);
}
for (const [name, args] of entries) {
  const daemon = spawnDaemon(env(await freePort()), args);
  await daemon.waitForLine((line) => line.message === 'polling the task queue', 30_000);
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_IDLE_MS ?? 5_000)));
  console.log(
    `idle RSS of codingworker start, ${name}, embedded queue: ${rssMiB(daemon.child.pid!).toFixed(1)} MiB`,
  );
  await stop(daemon);
}

// 2. Per-message overhead with a no-op handler (test/support/daemon-entry.ts, the same startDaemon). The
// messages are queued first, in the embedded queue's data directory, so the clock measures consumption
// only (sending while consuming would measure the sender and fauxqs's 20 ms long-poll tick instead).
{
  const port = await freePort();
  const base = env(port);
  const daemonEnv = { ...base, CW_TEST_HANDLER: 'complete' };
  const queue = await startEmbeddedQueue({ port, dataDir: join(base.CW_WORK_DIR!, 'queue') });
  const client = createSqsClient({
    queueUrl: queue.queueUrl,
    endpoint: queue.endpoint,
    credentials: EMBEDDED_CREDENTIALS,
  });
  const payload = issuesPayload('labeled');
  for (let first = 0; first < messages; first += 10) {
    const entries = [];
    for (let index = first; index < Math.min(messages, first + 10); index += 1) {
      payload.issue.number = index + 1;
      const message = encodeTaskMessage(taskFromIssuesEvent(payload, { triggerLabel: 'auto-code' }));
      entries.push({ Id: String(index), MessageBody: message.body, MessageAttributes: message.attributes });
    }
    await client.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }));
  }
  client.destroy();
  await queue.stop();

  const daemon = spawnDaemon(daemonEnv, [DAEMON_ENTRY]);
  await daemon.waitForLine((line) => line.message === 'polling the task queue', 30_000);
  const started = performance.now();
  const finished = () => daemon.lines.filter((line) => line.message === 'task finished').length;
  while (finished() < messages) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1_000;
  console.log(
    `${messages} no-op tasks, concurrency ${concurrency}: ${seconds.toFixed(2)} s, ` +
      `${(messages / seconds).toFixed(1)} messages/s, ${((seconds * 1_000) / messages).toFixed(2)} ms/message; ` +
      `RSS after: ${rssMiB(daemon.child.pid!).toFixed(1)} MiB`,
  );
  await stop(daemon);
}
