// `codingworker start`: the daemon. Runs until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { loadSettings } from '../../core/settings.ts';
import { startDaemon, stopOnSignals } from '../../daemon/daemon.ts';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'run the worker: poll the queue (CW_QUEUE_URL, else an embedded local queue) and do the tasks',
    )
    .action(async () => {
      const settings = loadSettings();
      const daemon = await startDaemon(settings);
      // stderr, so stdout stays pure JSON lines for log collectors.
      console.error(`codingworker: consuming ${daemon.queueUrl}`);
      if (daemon.healthPort !== undefined) {
        console.error(`codingworker: health http://127.0.0.1:${daemon.healthPort}/healthz, metrics /metrics`);
      }
      await stopOnSignals(daemon);
      // Everything is settled and logged by now; idle keep-alive sockets must not keep the process up.
      process.exit(0);
    });
}
