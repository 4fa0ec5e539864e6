// Docker API failures as task error kinds (worker/core/errors.ts), with a message that says what to do.
import { ResourceError, TransientError } from '../core/errors.ts';

/** Maps a Docker API failure to a task error kind (worker/core/errors.ts). */
export function classifyDockerError(error: unknown, image: string): Error {
  const detail = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    json?: { message?: string };
  };
  const message = detail.json?.message ?? detail.message ?? String(error);
  if (/no space left on device/i.test(message) || detail.code === 'ENOSPC') {
    return new ResourceError(`Docker has no disk space left: free space (docker system prune) (${message})`, {
      cause: error,
    });
  }
  if (detail.code === 'ECONNREFUSED' || detail.code === 'ENOENT' || detail.code === 'EACCES') {
    return new TransientError(
      `the Docker engine is not reachable (${detail.code}): start Docker Desktop or dockerd, and check DOCKER_HOST`,
      { cause: error },
    );
  }
  if (detail.statusCode === 404 && /image/i.test(message)) {
    return new TransientError(`the sandbox image ${image} is missing: run codingworker sandbox build`, {
      cause: error,
    });
  }
  return new TransientError(`Docker failed: ${message}`, { cause: error });
}
