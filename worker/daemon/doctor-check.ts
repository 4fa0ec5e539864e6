// One line of `codingworker doctor`: every dependency the worker has reports itself this way.

export interface CheckResult {
  /** What was checked, e.g. "Docker engine". */
  name: string;
  ok: boolean;
  /** What was found, e.g. "Docker 28.2.2 at /var/run/docker.sock". */
  detail: string;
  /** When not ok: what to do about it, as a command or a setting to change. */
  fix?: string;
  /** A warning does not make doctor fail (e.g. an optional part that is not configured). */
  severity?: 'error' | 'warning';
}

/** A check may report several lines (e.g. the Docker engine, then the sandbox image). */
export type Check = () => Promise<CheckResult | CheckResult[]>;
