import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRetry, deliveriesNeeded } from '../../worker/queue/retry-policy.ts';

const defaults = { delaysSeconds: [0, 60, 300], maxReceiveCount: 3 };

test('the schedule of docs/requirements.md#retries: now, then 60 s, then 300 s, then the dead-letter queue', () => {
  const transient = (receiveCount: number, attempt: number) =>
    decideRetry({ kind: 'transient', receiveCount, attempt }, defaults);
  assert.deepEqual(transient(1, 1), { action: 'retry-now' });
  assert.deepEqual(transient(1, 2), { action: 'retry-later', delaySeconds: 60 });
  assert.deepEqual(transient(2, 1), { action: 'retry-later', delaySeconds: 300 });
  assert.deepEqual(transient(3, 1), { action: 'dead-letter' });
});

test('permanent, timeout and resource failures go to the dead-letter queue at once', () => {
  for (const kind of ['permanent', 'timeout', 'resource'] as const) {
    assert.deepEqual(decideRetry({ kind, receiveCount: 1, attempt: 1 }, defaults), { action: 'dead-letter' });
  }
});

test('a delivery the schedule cannot explain (a crash used a receive) is past the schedule', () => {
  assert.deepEqual(decideRetry({ kind: 'transient', receiveCount: 4, attempt: 1 }, defaults), {
    action: 'dead-letter',
  });
});

test('a delayed retry with no delivery left is dead-lettered by the worker, with its reason', () => {
  const schedule = { delaysSeconds: [0, 60, 300], maxReceiveCount: 2 };
  assert.deepEqual(decideRetry({ kind: 'transient', receiveCount: 2, attempt: 1 }, schedule), {
    action: 'dead-letter',
  });
});

test('other schedules: two immediate retries, then one delayed', () => {
  const schedule = { delaysSeconds: [0, 0, 30], maxReceiveCount: 3 };
  const at = (receiveCount: number, attempt: number) =>
    decideRetry({ kind: 'transient', receiveCount, attempt }, schedule);
  assert.deepEqual(at(1, 1), { action: 'retry-now' });
  assert.deepEqual(at(1, 2), { action: 'retry-now' });
  assert.deepEqual(at(1, 3), { action: 'retry-later', delaySeconds: 30 });
  assert.deepEqual(at(2, 1), { action: 'dead-letter' });
  assert.equal(deliveriesNeeded(schedule.delaysSeconds), 2);
  assert.equal(deliveriesNeeded(defaults.delaysSeconds), 3);
});
