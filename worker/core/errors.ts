// Typed task failures. The retry decision is made from the kind, in one place (worker/queue/retry-policy.ts),
// never from matching message strings.

/**
 * - transient: may succeed later (network, Ollama or GitHub down, 5xx) -> retried on the seed 7.2 schedule.
 * - permanent: will never succeed as is (malformed message, refused authentication, issue closed) -> DLQ now.
 * - timeout:   the task exceeded its hard time limit -> stopped, DLQ (seed 7.1).
 * - resource:  memory or disk exhausted -> stopped, DLQ and an alarm (seed 7.1).
 */
export type FailureKind = 'transient' | 'permanent' | 'timeout' | 'resource';

export class TaskError extends Error {
  readonly kind: FailureKind;

  constructor(kind: FailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = `${kind[0]!.toUpperCase()}${kind.slice(1)}Error`;
  }
}

export class TransientError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('transient', message, options);
  }
}

export class PermanentError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('permanent', message, options);
  }
}

export class TimeoutError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('timeout', message, options);
  }
}

export class ResourceError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('resource', message, options);
  }
}

/**
 * The operator stopped the task (Ctrl-C or SIGTERM to `codingworker run`). Not a failure of the task, so
 * it has no FailureKind: the command reports it as cancelled, with the shell's 128 + signal number.
 */
export class CancelledError extends Error {
  readonly signal: NodeJS.Signals;

  constructor(signal: NodeJS.Signals) {
    super(`cancelled by ${signal}`);
    this.name = 'CancelledError';
    this.signal = signal;
  }
}

const RESOURCE_CODES = new Set(['ENOSPC', 'ENOMEM', 'EDQUOT', 'EMFILE', 'ENFILE']);

/** The kind of any thrown value. Untyped errors count as transient: retrying is safer than losing a task. */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof TaskError) return error.kind;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RESOURCE_CODES.has(code)) return 'resource';
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'timeout';
  return 'transient';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
