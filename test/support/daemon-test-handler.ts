// Task handlers for daemon tests, chosen by name, that write what they do to a JSON-lines record file so
// a test can count runs across daemon processes (kill -9 and restarts included).
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, TransientError } from '../../worker/core/errors.ts';
import type { TaskHandler } from '../../worker/queue/task-handler.ts';

export type TestHandlerName =
  | 'complete'
  | 'slow'
  | 'slow-cleanup'
  | 'transient'
  | 'permanent'
  | 'ignore-abort';

export interface TestHandlerOptions {
  /** JSON-lines file each event is appended to: {event, issue, messageId, receiveCount, at}. */
  recordFile?: string | undefined;
  /** How long 'slow', 'slow-cleanup' and 'ignore-abort' work, in ms. */
  workMs?: number;
  /** How long 'slow-cleanup' takes to clean up after its abort, in ms. */
  cleanupMs?: number;
}

export function createTestHandler(name: TestHandlerName, options: TestHandlerOptions = {}): TaskHandler {
  const record = (event: string, fields: Record<string, unknown>) => {
    if (options.recordFile) {
      appendFileSync(options.recordFile, `${JSON.stringify({ event, at: Date.now(), ...fields })}\n`);
    }
  };
  const workMs = options.workMs ?? 1_000;
  return {
    async handle(task, context) {
      const fields = {
        issue: task.issue_number,
        messageId: context.messageId,
        receiveCount: context.receiveCount,
      };
      record('start', fields);
      switch (name) {
        case 'complete':
          break;
        case 'slow':
          try {
            await sleep(workMs, undefined, { signal: context.signal });
          } catch (error) {
            record('aborted', { ...fields, reason: String(context.signal.reason) });
            throw error;
          }
          break;
        case 'slow-cleanup':
          try {
            await sleep(workMs, undefined, { signal: context.signal });
          } catch (error) {
            await sleep(options.cleanupMs ?? 1_000);
            record('cleaned', fields);
            throw error;
          }
          break;
        case 'ignore-abort':
          await sleep(workMs);
          break;
        case 'transient':
          throw new TransientError('the model server is unreachable (test)');
        case 'permanent':
          throw new PermanentError('the labeller may not trigger tasks (test)');
      }
      record('done', fields);
      return { status: 'completed', detail: `test handler ${name}` };
    },
    async onFailure(task, notice) {
      record('failure', { issue: task.issue_number, kind: notice.kind, next: notice.next.action });
    },
  };
}
