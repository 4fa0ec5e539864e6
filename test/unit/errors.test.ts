// failureKind for values nobody typed: only a recognised transient failure (network, 5xx) is retried.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failureKind, PermanentError, TransientError } from '../../worker/core/errors.ts';
import { GitCommandError } from '../../worker/job/git.ts';
import { decideRetry } from '../../worker/queue/retry-policy.ts';

const schedule = { delaysSeconds: [0, 60, 300], maxReceiveCount: 3 };

describe('failureKind of untyped errors', () => {
  test('an internal git error is permanent: it goes to the dead-letter queue, not three retries', () => {
    const plain = new Error('internal: /w/x was not cloned by this worker process');
    const git = new GitCommandError('git rev-parse exited 128', 128, 'fatal: bad revision');
    for (const error of [plain, git, Object.assign(new Error('open .git/config'), { code: 'EEXIST' })]) {
      assert.equal(failureKind(error), 'permanent', error.message);
      assert.deepEqual(decideRetry({ kind: failureKind(error), receiveCount: 1, attempt: 1 }, schedule), {
        action: 'dead-letter',
      });
    }
    assert.equal(failureKind('a thrown string'), 'permanent');
  });

  test('a network failure is transient, also as the cause of a fetch failure', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET']) {
      assert.equal(failureKind(Object.assign(new Error('x'), { code })), 'transient', code);
    }
    const fetchFailed = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    assert.equal(failureKind(fetchFailed), 'transient');
  });

  test('a 5xx or 429 answer is transient, a 4xx permanent, whichever client reported it', () => {
    assert.equal(failureKind({ statusCode: 503 }), 'transient');
    assert.equal(failureKind(Object.assign(new Error('Bad Gateway'), { status: 502 })), 'transient');
    assert.equal(failureKind({ $metadata: { httpStatusCode: 500 } }), 'transient');
    assert.equal(failureKind({ status: 429 }), 'transient');
    assert.equal(failureKind({ status: 404 }), 'permanent');
  });

  test('typed errors, resource codes and timeouts keep their kind', () => {
    assert.equal(failureKind(new TransientError('x')), 'transient');
    assert.equal(failureKind(new PermanentError('x')), 'permanent');
    assert.equal(failureKind(Object.assign(new Error('disk'), { code: 'ENOSPC' })), 'resource');
    assert.equal(failureKind(new DOMException('timed out', 'TimeoutError')), 'timeout');
  });
});
