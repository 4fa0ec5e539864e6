// Docker API failures as task error kinds (worker/core/errors.ts), with a message that says what to do.
// The kind comes from the HTTP status the engine answered (dockerode's `statusCode`) or from the Node
// error `code` of a socket that failed; a message is only ever quoted, never searched for the kind.
import { PermanentError, ResourceError, TransientError } from '../core/errors.ts';

interface DockerFailure {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string };
}

/** Node socket errors: the engine is not running, not ours to use, or went away mid-request. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
/**
 * The engine reports its own ENOSPC only inside a 500, as Go's error text ("write <path>: no space left
 * on device"). That errno text is the one thing decoded from a message: nothing else carries it.
 */
const DAEMON_ENOSPC = /: no space left on device(?::|$)/i;

/** The image a failed request creates a container from, and how the user gets it. */
export interface ImageUse {
  image: string;
  /** E.g. "run codingworker sandbox build". */
  fix: string;
}

/** For the sandbox image: how `codingworker sandbox build` is named in every message. */
export function sandboxImage(image: string): ImageUse {
  return { image, fix: 'run codingworker sandbox build' };
}

/**
 * Maps a Docker API failure to a task error kind. `creating`: the image the failed request creates a
 * container from; only then does a 404 mean that image is missing (elsewhere it is a container gone).
 */
export function classifyDockerError(error: unknown, creating?: ImageUse): Error {
  const detail = (error ?? {}) as DockerFailure;
  const message = detail.json?.message ?? detail.message ?? String(error);
  const status = detail.statusCode;
  if (DISK_FULL_CODES.has(detail.code ?? '') || (status === 500 && DAEMON_ENOSPC.test(message))) {
    return new ResourceError(`Docker has no disk space left: free space (docker system prune) (${message})`, {
      cause: error,
    });
  }
  if (status === undefined && UNREACHABLE_CODES.has(detail.code ?? '')) {
    return new TransientError(
      `the Docker engine is not reachable (${detail.code}): start Docker Desktop or dockerd, and check DOCKER_HOST`,
      { cause: error },
    );
  }
  if (status === 404 && creating !== undefined) {
    return new TransientError(`the image ${creating.image} is missing: ${creating.fix}`, { cause: error });
  }
  if (status === 400) {
    // The engine refused the request itself (a bad parameter, e.g. a mount from the settings): the same
    // request fails the same way on every retry.
    return new PermanentError(`Docker refused the request (HTTP 400): ${message}`, { cause: error });
  }
  return new TransientError(`Docker failed${status ? ` (HTTP ${status})` : ''}: ${message}`, {
    cause: error,
  });
}
