// Free space under CW_WORK_DIR, where clones, the embedded queue's SQLite and trajectories live. A full disk
// breaks all three with git's or SQLite's own words; this names the path and how much is left instead.
import { statfs as realStatfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ResourceError } from '../core/errors.ts';
import type { CheckResult } from '../daemon/doctor-check.ts';

/**
 * The default below which a task is not started and doctor fails (CW_MIN_FREE_MB): a clone plus its
 * checks need room. Doctor warns below five times the minimum: a few tasks more and it is full.
 */
export const MIN_FREE_BYTES = 1024 ** 3;

export type Statfs = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

/** Free bytes on the disk holding `path`, or its nearest existing parent (the work dir may not exist yet). */
export async function freeBytes(path: string, statfs: Statfs = realStatfs): Promise<number> {
  try {
    const stats = await statfs(path);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch (error) {
    const parent = dirname(path);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
    return freeBytes(parent, statfs);
  }
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

/** A size for people, to one decimal: "812 B", "1.2 KB", "34.5 MB", "2.10 GB" (the cache's lists and notes). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** Before a task: a full disk is a resource failure that names the path, not a transient clone error. */
export async function requireFreeSpace(
  path: string,
  statfs: Statfs = realStatfs,
  minFreeBytes = MIN_FREE_BYTES,
): Promise<void> {
  const free = await freeBytes(path, statfs);
  if (free < minFreeBytes) {
    throw new ResourceError(
      `only ${formatBytes(free)} free under ${path} (CW_WORK_DIR), ${formatBytes(minFreeBytes)} needed (CW_MIN_FREE_MB): free disk space or point CW_WORK_DIR at a larger disk`,
    );
  }
}

/** For /healthz: what is wrong with the disk under `path`, or undefined when there is room. */
export async function diskProblem(
  path: string,
  statfs: Statfs = realStatfs,
  minFreeBytes = MIN_FREE_BYTES,
): Promise<string | undefined> {
  const free = await freeBytes(path, statfs);
  if (free >= minFreeBytes) return undefined;
  return `only ${formatBytes(free)} free under ${path} (CW_WORK_DIR), ${formatBytes(minFreeBytes)} needed`;
}

/** The doctor line: fail below the minimum, warn below five times it. */
export function freeSpaceCheck(
  path: string,
  statfs: Statfs = realStatfs,
  minFreeBytes = MIN_FREE_BYTES,
): () => Promise<CheckResult> {
  return async (): Promise<CheckResult> => {
    const name = 'free space';
    const free = await freeBytes(path, statfs);
    const detail = `${formatBytes(free)} free under ${path} (CW_WORK_DIR)`;
    const fix = 'free disk space, or point CW_WORK_DIR at a larger disk';
    if (free < minFreeBytes) return { name, ok: false, detail, fix };
    if (free < 5 * minFreeBytes) return { name, ok: false, severity: 'warning', detail, fix };
    return { name, ok: true, detail };
  };
}
