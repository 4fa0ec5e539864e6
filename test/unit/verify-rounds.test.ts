// The verification rounds both runners share, with a scripted agent and verifier.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Verdict } from '../../worker/agent/runner.ts';
import { Trajectory } from '../../worker/agent/trajectory.ts';
import { type Retry, verifyRounds } from '../../worker/agent/verify-rounds.ts';

const pass: Verdict = { ok: true, checks: [], feedback: '' };
const fail: Verdict = { ok: false, checks: [], feedback: 'test_one failed' };

function rounds(verdicts: Verdict[], options: { finished?: boolean; retries?: number } = {}) {
  const retries: Array<Retry | undefined> = [];
  const signals: AbortSignal[] = [];
  const trajectory = new Trajectory('/nonexistent/trajectory.jsonl');
  const signal = new AbortController().signal;
  const run = verifyRounds({
    work: async (retry) => {
      retries.push(retry);
      return { finished: options.finished ?? true };
    },
    finished: (outcome) => outcome.finished,
    verify: async (given) => {
      signals.push(given);
      return verdicts.shift() ?? fail;
    },
    signal,
    retries: options.retries ?? 2,
    trajectory,
    logger: pino({ level: 'silent' }),
    describe: () => ({}),
  });
  return { run, retries, signals, signal };
}

describe('verifyRounds', () => {
  it('gives a failed verdict back with the rounds left, and passes its signal to every verification', async () => {
    const { run, retries, signals, signal } = rounds([fail, pass]);
    const result = await run;
    assert.deepEqual([result.rounds, result.verdict.ok], [2, true]);
    assert.deepEqual(retries, [undefined, { feedback: 'test_one failed', roundsLeft: 2 }]);
    assert.deepEqual(signals, [signal, signal]);
  });

  it('stops after the first round plus `retries` more, and at once for a run that did not finish', async () => {
    const stubborn = rounds([], { retries: 2 });
    assert.equal((await stubborn.run).rounds, 3);
    assert.deepEqual(
      stubborn.retries.map((retry) => retry?.roundsLeft),
      [undefined, 2, 1],
    );
    const stopped = rounds([], { finished: false });
    assert.equal((await stopped.run).rounds, 1);
  });

  it('does not verify a run during which the signal aborted', async () => {
    const controller = new AbortController();
    let verified = 0;
    const run = verifyRounds({
      work: async () => controller.abort(new Error('shutting down')),
      finished: () => true,
      verify: async () => {
        verified += 1;
        return pass;
      },
      signal: controller.signal,
      retries: 2,
      trajectory: new Trajectory('/nonexistent/trajectory.jsonl'),
      logger: pino({ level: 'silent' }),
      describe: () => ({}),
    });
    await assert.rejects(run, /shutting down/);
    assert.equal(verified, 0);
  });
});
