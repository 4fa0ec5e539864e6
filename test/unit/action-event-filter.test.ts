import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterEvent } from '../../action/event-filter.ts';
import { issuesPayload } from '../support/webhooks.ts';

describe('event filter', () => {
  it('enqueues a real labeled event whose label is the trigger label (any case)', () => {
    const payload = issuesPayload('labeled');
    const decision = filterEvent('issues', payload, 'BUG');
    assert.equal(decision.enqueue, true);
    assert.equal(decision.enqueue && decision.event, 'issues.labeled');
    assert.equal(decision.enqueue && decision.payload.issue.number, payload.issue.number);
  });

  it('skips a labeled event with another label', () => {
    assert.deepEqual(filterEvent('issues', issuesPayload('labeled'), 'auto-code'), {
      enqueue: false,
      reason: 'label "bug" is not the trigger label "auto-code"',
    });
  });

  it('enqueues an issue opened with the trigger label, and skips one opened without it', () => {
    const payload = issuesPayload('opened');
    payload.issue.labels = [{ name: 'auto-code' }];
    const decision = filterEvent('issues', payload, 'auto-code');
    assert.equal(decision.enqueue && decision.event, 'issues.opened');

    const plain = issuesPayload('opened');
    plain.issue.labels = [];
    const skipped = filterEvent('issues', plain, 'auto-code');
    assert.equal(skipped.enqueue, false);
    assert.match(
      !skipped.enqueue ? skipped.reason : '',
      /^issue #\d+ was opened without the trigger label "auto-code"$/,
    );
  });

  it('skips other issue actions, other events and closed issues', () => {
    const edited = { ...issuesPayload('edited'), label: { name: 'auto-code' } };
    assert.deepEqual(filterEvent('issues', edited, 'auto-code'), {
      enqueue: false,
      reason: 'issues.edited does not trigger tasks (only labeled and opened)',
    });
    const unlabeled = issuesPayload('unlabeled');
    assert.equal(filterEvent('issues', unlabeled, unlabeled.label!.name).enqueue, false);
    assert.deepEqual(filterEvent('push', {}, 'auto-code'), {
      enqueue: false,
      reason: 'the push event does not trigger tasks (only issues and the revision events in docs/action.md)',
    });
    const closed = issuesPayload('labeled') as ReturnType<typeof issuesPayload> & {
      issue: { state: string };
    };
    closed.issue.state = 'closed';
    assert.match(
      (filterEvent('issues', closed, 'bug') as { reason: string }).reason,
      /^issue #\d+ is closed$/,
    );
  });

  it('keeps a hostile label name on one line in the reason', () => {
    const payload = issuesPayload('labeled');
    payload.label = { name: 'x\n::set-output name=skipped::false' };
    const decision = filterEvent('issues', payload, 'auto-code');
    assert.ok(!decision.enqueue && !decision.reason.includes('\n'));
  });

  it('fails clearly on a payload that is not an issues event', () => {
    assert.throws(
      () => filterEvent('issues', { action: 'labeled' }, 'auto-code'),
      /run this action from a workflow triggered by `on: issues`/,
    );
  });
});
