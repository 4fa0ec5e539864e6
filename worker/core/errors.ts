// Typed task failures. The retry decision is made from the kind, in one place (worker/queue/retry-policy.ts),
// never from matching message strings.

/**
 * - transient: may succeed later (network, Ollama or GitHub down, 5xx) -> retried on the schedule of docs/requirements.md#retries.
 * - permanent: will never succeed as is (malformed message, refused authentication, issue closed) -> DLQ now.
 * - timeout:   the task exceeded its hard time limit -> stopped, DLQ (docs/requirements.md#errors).
 * - resource:  memory or disk exhausted -> stopped, DLQ and an alarm (docs/requirements.md#errors).
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
/** Node and undici codes of a connection that failed or broke: the other side may answer later. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface UntypedFailure {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  /** The HTTP status, as dockerode (statusCode), Octokit (status) and the AWS SDK ($metadata) carry it. */
  statusCode?: unknown;
  status?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * The kind of any thrown value. An untyped error is transient only when it is recognisably a network
 * failure or a 5xx/429 answer; anything else (an internal error, git plumbing, a bug) is permanent:
 * retrying it would only repeat it, three times, before the dead-letter queue.
 */
export function failureKind(error: unknown): FailureKind {
  if (error instanceof TaskError) return error.kind;
  const detail = (typeof error === 'object' && error !== null ? error : {}) as UntypedFailure;
  if (typeof detail.code === 'string' && RESOURCE_CODES.has(detail.code)) return 'resource';
  if (detail.name === 'TimeoutError') return 'timeout';
  return isNetworkFailure(detail) || isRetryableStatus(detail) ? 'transient' : 'permanent';
}

function isNetworkFailure(detail: UntypedFailure): boolean {
  if (typeof detail.code === 'string' && NETWORK_CODES.has(detail.code)) return true;
  // fetch() rejects with TypeError('fetch failed') whose cause carries the socket's code.
  const cause = detail.cause as UntypedFailure | undefined;
  return typeof cause?.code === 'string' && NETWORK_CODES.has(cause.code);
}

function isRetryableStatus(detail: UntypedFailure): boolean {
  const status = detail.statusCode ?? detail.status ?? detail.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
