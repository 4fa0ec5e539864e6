// The handler `codingworker start` runs for each task. INTEGRATOR: replace the body of createTaskHandler
// with the real job pipeline (validate -> report started -> workspace -> agent -> verify -> push -> PR ->
// report done). Until then every task fails as transient, so tasks are retried and dead-lettered with a
// clear reason rather than silently dropped.
import type { Logger } from 'pino';
import { TransientError } from './errors.ts';
import type { Settings } from './settings.ts';
import type { TaskHandler } from './task-handler.ts';

export function createTaskHandler(_settings: Settings, _logger: Logger): TaskHandler {
  return {
    async handle() {
      throw new TransientError('the job pipeline is not wired in yet');
    },
  };
}
