// THE one place that decides what happens to a failed task, from its error kind (worker/core/errors.ts) and
// where it is in the retry schedule. Nothing else in the worker chooses between retrying and giving up.
//
// The schedule is settings.queue.retryDelaysSeconds (default 0,60,300, docs/requirements.md#retries). A delay
// of 0 is a retry at once inside the same delivery (no SQS receive used); a longer delay hides the message
// for that long with ChangeMessageVisibility, which costs one of the queue's maxReceiveCount deliveries. With
// the defaults and maxReceiveCount 3:
//   delivery 1: attempt 1 fails -> retry at once; attempt 2 fails -> visible again in 60 s
//   delivery 2: fails -> visible again in 300 s
//   delivery 3: fails -> the worker moves it to the dead-letter queue itself, with the reason.
import type { FailureKind } from '../core/errors.ts';

export type RetryDecision =
  | { action: 'retry-now' }
  | { action: 'retry-later'; delaySeconds: number }
  | { action: 'dead-letter' };

export interface FailurePosition {
  kind: FailureKind;
  /** SQS ApproximateReceiveCount of this delivery (1 on the first). */
  receiveCount: number;
  /** Attempts already made in this delivery, including the one that just failed (1 on the first). */
  attempt: number;
}

export interface RetrySchedule {
  delaysSeconds: readonly number[];
  /** The queue's RedrivePolicy maxReceiveCount: deliveries SQS allows before moving the message itself. */
  maxReceiveCount: number;
}

/**
 * The index in the schedule of the first retry that delivery `receiveCount` makes: every retry with a delay
 * ends its delivery, so earlier deliveries used all retries up to and including their delayed one.
 */
function firstRetryOfDelivery(delays: readonly number[], receiveCount: number): number {
  let delivery = 1;
  let index = 0;
  while (delivery < receiveCount && index < delays.length) {
    if (delays[index]! > 0) delivery += 1;
    index += 1;
  }
  // A delivery beyond what the schedule explains (a crash used a receive) is past the schedule too.
  return delivery < receiveCount ? delays.length : index;
}

export function decideRetry(failure: FailurePosition, schedule: RetrySchedule): RetryDecision {
  // Permanent: retrying cannot help. Timeout and resource (docs/requirements.md#errors): the task already ran to a hard
  // limit; running it again would repeat the damage, so it stops here and a person looks at it.
  if (failure.kind !== 'transient') return { action: 'dead-letter' };
  const index = firstRetryOfDelivery(schedule.delaysSeconds, failure.receiveCount) + failure.attempt - 1;
  const delay = schedule.delaysSeconds[index];
  if (delay === undefined) return { action: 'dead-letter' };
  if (delay === 0) return { action: 'retry-now' };
  // No delivery left: SQS would move the message at the next receive without saying why, so move it now.
  if (failure.receiveCount >= schedule.maxReceiveCount) return { action: 'dead-letter' };
  return { action: 'retry-later', delaySeconds: delay };
}

/** Deliveries the schedule needs; the queue's maxReceiveCount must be at least this. */
export function deliveriesNeeded(delaysSeconds: readonly number[]): number {
  return 1 + delaysSeconds.filter((delay) => delay > 0).length;
}
