// The worker's log: pino JSON lines with the fields of docs/requirements.md#logging (timestamp, level, message, issue_number,
// repository, worker_id), to stdout and optionally to a daily-rotated file. Secrets are removed twice:
// from every argument before pino sees it (by key and pattern) and from every finished line (by pattern).
import { lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';
import pinoRoll from 'pino-roll';
import type { TaskMessage } from '../../action/task-message.ts';
import { redactText, redactValue } from './redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  workerId: string;
  /** debug, info, warn or error. */
  level: string;
  /**
   * The log file: a link to the current log; the files themselves are named <name>.<yyyy-MM-dd>.<n>.<ext>
   * next to it. Default: none.
   */
  file?: string | undefined;
  /** Rotated files kept besides the current one. */
  retentionDays: number;
  /** Where the stdout copy goes. Default process.stdout (tests pass their own). */
  stdout?: { write(chunk: string): unknown };
}

export interface WorkerLogger {
  logger: Logger;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** pino-roll's options for CW_LOG_FILE: one file per day, `retentionDays` older ones kept, others deleted. */
export function rotationOptions(file: string, retentionDays: number) {
  return {
    file,
    frequency: 'daily' as const,
    dateFormat: 'yyyy-MM-dd',
    mkdir: true,
    // pino-roll writes dated files only; its link (always named current.log) follows each rotation.
    symlink: true,
    // removeOtherLogFiles: files from earlier runs of the daemon count too, so restarts do not leak files.
    limit: { count: retentionDays, removeOtherLogFiles: true },
  };
}

/** The name pino-roll gives its link to the file it writes now, in the log's directory, whatever the file. */
const ROLL_LINK = 'current.log';

/**
 * Where the configured path links to now (undefined: nothing there yet). Refuses, before pino-roll creates
 * anything, a regular file there: the worker would have to delete it to put its link in place.
 */
function existingLink(file: string): string | undefined {
  try {
    if (!lstatSync(file).isSymbolicLink()) {
      throw new Error(
        `CW_LOG_FILE ${file} is a regular file; the worker keeps a link to its current log there: move it away or point CW_LOG_FILE elsewhere`,
      );
    }
    return readlinkSync(file);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Links the configured path to pino-roll's current.log, which pino-roll moves to each new file, so the path
 * always reads as the current log (`tail -F` follows it across rotations).
 */
function linkToCurrent(file: string, existing: string | undefined): void {
  if (basename(file) === ROLL_LINK || existing === ROLL_LINK) return;
  if (existing !== undefined) unlinkSync(file);
  symlinkSync(ROLL_LINK, file);
}

/** A destination that scrubs each finished JSON line before writing it. */
function scrubbed(target: { write(chunk: string): unknown }): DestinationStream {
  return { write: (line: string) => void target.write(redactText(line)) };
}

export async function createLogger(options: LoggerOptions): Promise<WorkerLogger> {
  const stdout = options.stdout ?? process.stdout;
  const streams: pino.StreamEntry[] = [{ level: 'debug', stream: scrubbed(stdout) }];
  let file: (Writable & { flushSync?: () => void }) | undefined;
  if (options.file) {
    const existing = basename(options.file) === ROLL_LINK ? undefined : existingLink(options.file);
    // pino-roll links current.log right after creating its stream, before the stream's own mkdir is done.
    mkdirSync(dirname(options.file), { recursive: true });
    file = (await pinoRoll(rotationOptions(options.file, options.retentionDays))) as unknown as Writable;
    linkToCurrent(options.file, existing);
    streams.push({ level: 'debug', stream: scrubbed(file) });
  }
  const logger = pino(
    {
      level: options.level,
      messageKey: 'message',
      base: { worker_id: options.workerId },
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label.toUpperCase() }),
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
      },
      hooks: {
        // Every argument passes through redaction, so secrets inside error messages, stacks and nested
        // objects are gone before serialisation; errors arrive as plain, already redacted objects.
        logMethod(args, method) {
          const [first, ...rest] = args;
          const merged = first instanceof Error ? { error: first } : first;
          method.apply(this, [merged, ...rest].map((arg) => redactValue(arg)) as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
  return {
    logger,
    close: async () => {
      if (!file) return;
      const stream = file;
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.end();
      });
    },
  };
}

/** The per-task child logger: every line about the task carries its issue and repository. */
export function taskLogger(logger: Logger, task: Pick<TaskMessage, 'issue_number' | 'repository'>): Logger {
  return logger.child({ issue_number: task.issue_number, repository: task.repository });
}
