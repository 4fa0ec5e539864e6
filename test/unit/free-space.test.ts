// Free space under CW_WORK_DIR, with a statfs double standing in for a full disk (filling the real one is
// not an option on a shared machine): doctor's line, and the check a task makes before its clone.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freeBytes, freeSpaceCheck, requireFreeSpace, type Statfs } from '../../worker/core/free-space.ts';

/** A statfs double: a disk with `mb` megabytes available. */
const diskWith =
  (mb: number): Statfs =>
  async () => ({ bavail: mb * 256, bsize: 4096 });

describe('free space under CW_WORK_DIR', () => {
  it('doctor fails below 1 GB, warns below 5 GB, passes above, naming the path and how much is free', async () => {
    const full = await freeSpaceCheck('/work/cw', diskWith(200))();
    assert.deepEqual(full, {
      name: 'free space',
      ok: false,
      detail: '200 MB free under /work/cw (CW_WORK_DIR)',
      fix: 'free disk space, or point CW_WORK_DIR at a larger disk',
    });
    const low = await freeSpaceCheck('/work/cw', diskWith(3 * 1024))();
    assert.equal(low.severity, 'warning');
    assert.equal(low.detail, '3.0 GB free under /work/cw (CW_WORK_DIR)');
    assert.equal((await freeSpaceCheck('/work/cw', diskWith(50 * 1024))()).ok, true);
  });

  it('a task on a full disk fails as a resource failure with the path', async () => {
    await assert.rejects(requireFreeSpace('/work/cw', diskWith(10)), {
      name: 'ResourceError',
      kind: 'resource',
      message:
        'only 10 MB free under /work/cw (CW_WORK_DIR), 1.0 GB needed (CW_MIN_FREE_MB): free disk space or point CW_WORK_DIR at a larger disk',
    });
    await requireFreeSpace('/work/cw', diskWith(2048));
    // CW_MIN_FREE_MB lowers the bar (a small dedicated disk): 10 MB is then enough.
    await requireFreeSpace('/work/cw', diskWith(10), 5 * 1024 ** 2);
  });

  it('a work directory that does not exist yet is measured on its nearest parent (the real statfs)', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'cw-free-')), 'not', 'yet');
    assert.ok((await freeBytes(missing)) > 0);
  });
});
