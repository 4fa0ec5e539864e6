// One daemon per work directory: the embedded queue keeps its state (SQLite) under CW_WORK_DIR/queue, and
// two daemons on it would both deliver the same messages. The lock is an exclusive SQLite transaction held
// for the daemon's life: the kernel's file lock (fcntl / LockFileEx) is released the moment the process
// ends, kill -9 included, and nothing in it depends on time, so a laptop's sleep can neither expire it
// nor make it look stale (what a timestamp-refreshed lock file such as proper-lockfile's would risk).
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface WorkDirLock {
  release(): void;
}

/** SQLite's SQLITE_BUSY: another connection holds the lock. */
const SQLITE_BUSY = 5;

/**
 * Takes the lock file in `dir` (which must exist) or throws, naming the holder and the setting to change.
 * `workDir` is the CW_WORK_DIR the message names.
 */
export function lockWorkDir(dir: string, workDir: string): WorkDirLock {
  const db = new DatabaseSync(join(dir, 'daemon.lock'), { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { errcode?: number }).errcode !== SQLITE_BUSY) throw error;
    throw new Error(
      `CW_WORK_DIR ${workDir} is in use by another codingworker start${holder(dir)}: stop that one, or give this daemon its own CW_WORK_DIR`,
    );
  }
  // Only to name the holder in the refusal; the lock itself is the transaction above.
  const owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(join(dir, 'daemon.owner'), `${JSON.stringify(owner)}\n`);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

function holder(dir: string): string {
  try {
    const owner = JSON.parse(readFileSync(join(dir, 'daemon.owner'), 'utf8')) as Record<string, unknown>;
    return ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})`;
  } catch {
    return '';
  }
}
