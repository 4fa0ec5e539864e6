// What `codingworker enqueue` says when the embedded queue does not take a message: "start the worker
// first" only when nothing listens; a running daemon on a full disk is told as a full disk, with the path.
// Doubles: the errors are shaped as the SQS client throws them, statfs reports a nearly full disk.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embeddedSendError } from '../../worker/cli/commands/enqueue.ts';

const url = 'http://127.0.0.1:9324/000000000000/codingworker-tasks';
const fullDisk = async () => ({ bavail: 2048, bsize: 4096 });
const roomy = async () => ({ bavail: 10 * 1024 ** 2, bsize: 4096 });

describe('enqueue on the embedded queue', () => {
  it('a refused connection: start the worker first', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9324'), { code: 'ECONNREFUSED' });
    const error = await embeddedSendError(refused, url, '/work/cw', roomy);
    assert.match(error.message, /cannot reach the embedded queue .*start the worker first/);
  });

  it('a running queue on a full disk: the queue error, how much is free and where, not "start the worker"', async () => {
    const full = Object.assign(new Error('database or disk is full'), { $metadata: { httpStatusCode: 500 } });
    const error = await embeddedSendError(full, url, '/work/cw', fullDisk);
    assert.equal(
      error.message,
      `the embedded queue at ${url} refused the message: database or disk is full (only 8 MB free under /work/cw/queue (CW_WORK_DIR), 1.0 GB needed: free disk space, or point CW_WORK_DIR at a larger disk)`,
    );
    assert.doesNotMatch(error.message, /start the worker/);
  });
});
