// GitHub failures as typed task errors, so the retry policy decides from the type and the message says
// what to change.
import { errorMessage, PermanentError, type TaskError, TransientError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';

/** The HTTP status of an Octokit error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A GitHub failure as a typed task error: what the retry policy needs, and what to change. */
export function classify(error: unknown, what: string): TaskError {
  const status = statusOf(error);
  const headers =
    (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  const detail = redactText(errorMessage(error));
  if (status === undefined || status >= 500 || status === 429) {
    return new TransientError(`GitHub failed while ${what}: ${detail}`, { cause: error });
  }
  if (status === 403 && (headers['retry-after'] !== undefined || headers['x-ratelimit-remaining'] === '0')) {
    return new TransientError(`GitHub rate limit while ${what}: ${detail}`, { cause: error });
  }
  if (status === 401) {
    return new PermanentError(
      `GitHub refused the credentials while ${what}: renew GITHUB_TOKEN or check the App settings (run codingworker doctor)`,
      { cause: error },
    );
  }
  if (status === 403 || status === 404) {
    return new PermanentError(
      `GitHub answered ${status} while ${what} (${detail}): the token or App lacks access; see docs/github.md for the permissions needed`,
      { cause: error },
    );
  }
  return new PermanentError(`GitHub refused ${what} (${status}): ${detail}`, { cause: error });
}
