// The eval report: per-task lines, totals with medians, and the --json document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { medianOf, reportDocument, taskLine, totals, totalsLines } from '../../worker/eval/report.ts';
import type { TaskScore } from '../../worker/eval/run-task.ts';

function score(overrides: Partial<TaskScore>): TaskScore {
  return {
    id: 't',
    solved: true,
    modelCalls: 2,
    promptTokens: 1000,
    completionTokens: 100,
    newPromptTokens: 600,
    modelMs: 4000,
    wallMs: 10_000,
    nonModelMs: 6000,
    agentMs: 8000,
    strategy: 'shell',
    ...overrides,
  };
}

const scores = [
  score({ id: 'a', modelCalls: 1, promptTokens: 500, modelMs: 1000, wallMs: 3000, nonModelMs: 2000 }),
  score({ id: 'b', solved: false, why: 'hidden tests failed: FAILED x', modelCalls: 9, wallMs: 90_000 }),
  score({ id: 'c', modelCalls: 3, promptTokens: 1500, modelMs: 2500, wallMs: 5000, nonModelMs: 2500 }),
];

describe('eval report', () => {
  it('medians: middle value, the mean of the two middle ones, 0 for none', () => {
    assert.equal(medianOf([5, 1, 3]), 3);
    assert.equal(medianOf([4, 1, 3, 10]), 3.5);
    assert.equal(medianOf([]), 0);
  });

  it('totals count the solved tasks and take medians, so one runaway task does not move them', () => {
    const result = totals(scores);
    assert.equal(result.solved, 2);
    assert.equal(result.tasks, 3);
    assert.equal(result.solvedPercent, 66.7);
    assert.deepEqual(result.median, {
      modelCalls: 3,
      promptTokens: 1000,
      completionTokens: 100,
      newPromptTokens: 600,
      modelMs: 2500,
      wallMs: 5000,
      nonModelMs: 2500,
    });
    assert.deepEqual(totalsLines(result), [
      'solved 2/3 (66.7 %)',
      'median per task: 3 model calls, 1000 prompt tokens (600 new), 100 reply tokens',
      'median time per task: model 2.5 s, wall 5.0 s, other 2.5 s',
    ]);
    assert.equal(totals([]).solvedPercent, 0);
  });

  it('a task line: id, result, counts and seconds, the why of a failure last', () => {
    assert.equal(taskLine(scores[0]!), 'a\tsolved\t1\t500\t600\t100\t1.0\t3.0\t2.0');
    assert.equal(
      taskLine(scores[1]!),
      'b\tFAILED\t9\t1000\t600\t100\t4.0\t90.0\t6.0\thidden tests failed: FAILED x',
    );
  });

  it('the JSON document carries the run, the totals and every score', () => {
    const document = reportDocument(
      { suite: 's', model: 'm', strategy: 'pipeline', startedAt: new Date('2026-01-02T03:04:05Z') },
      scores,
    );
    assert.equal(document.startedAt, '2026-01-02T03:04:05.000Z');
    assert.equal(document.totals.solved, 2);
    assert.deepEqual(document.tasks, scores);
    assert.deepEqual(JSON.parse(JSON.stringify(document)), document);
  });
});
