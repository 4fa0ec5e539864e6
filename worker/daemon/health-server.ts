// Health and Prometheus metrics on 127.0.0.1 (never another interface: the numbers describe private
// repositories' work). /healthz answers JSON for scripts and doctor; /metrics is Prometheus text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The daemon's counters; one registry per daemon so tests can run several in one process. */
export interface Metrics {
  registry: Registry;
  tasks: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
  retries: Counter<'kind'>;
  deadLettered: Counter<'kind'>;
  queueDepth: Gauge;
  inFlight: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    tasks: new Counter({
      name: 'codingworker_tasks_total',
      help: 'Tasks finished, by outcome (completed, already-done, skipped, retried, dead-lettered, released).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'codingworker_task_duration_seconds',
      help: 'Time one delivery of a task took, by outcome.',
      labelNames: ['outcome'],
      // From a no-op to the one-hour task limit (docs/requirements.md#worker).
      buckets: [0.1, 1, 10, 30, 60, 120, 300, 600, 1200, 1800, 2700, 3600],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'codingworker_retries_total',
      help: 'Retries scheduled for failed tasks, by failure kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'codingworker_dead_lettered_total',
      help: 'Tasks moved to the dead-letter queue, by failure kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'codingworker_queue_depth',
      help: 'ApproximateNumberOfMessages of the task queue, sampled.',
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'codingworker_tasks_in_flight',
      help: 'Tasks running now.',
      registers: [registry],
    }),
  };
}

export interface HealthState {
  /** False while the queue cannot be polled (unreachable, misconfigured) or after shutdown began. */
  polling: boolean;
  lastPollAt: Date | undefined;
  inFlight: number;
  queueUrl: string | undefined;
  lastError: string | undefined;
}

export interface HealthServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  port: number,
  metrics: Metrics,
  state: () => HealthState,
  /** What is wrong with the disk under CW_WORK_DIR, if anything (worker/core/free-space.ts diskProblem). */
  disk: () => Promise<string | undefined> = async () => undefined,
): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.url === '/healthz') {
        const current = state();
        // A full disk fails every task (clone, queue state): polling alone is not health.
        const diskTrouble = await disk().catch((error: unknown) => `free space unknown: ${String(error)}`);
        const ok = current.polling && diskTrouble === undefined;
        response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            status: ok ? 'ok' : 'degraded',
            disk: diskTrouble ?? null,
            polling: current.polling,
            last_poll_at: current.lastPollAt?.toISOString() ?? null,
            in_flight: current.inFlight,
            queue_url: current.queueUrl ?? null,
            last_error: current.lastError ?? null,
          }),
        );
      } else if (request.url === '/metrics') {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(await metrics.registry.metrics());
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found: try /healthz or /metrics\n');
      }
    })().catch(() => {
      response.destroy();
    });
  });
  await listen(server, port);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function listen(server: Server, port: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    throw new Error(
      `port ${port} on 127.0.0.1 is in use (another codingworker start?): stop it or set CW_HEALTH_PORT`,
    );
  }
}
