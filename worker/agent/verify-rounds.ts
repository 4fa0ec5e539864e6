// The verification rounds both runners share: the agent works, its change is verified, and a failed
// verdict goes back to it while rounds last (CW_VERIFY_ROUNDS after the first). A run that stopped at a
// limit or crashed cannot do more work: it is verified once and not given the feedback.
import type { Logger } from 'pino';
import type { RunInput, Verdict } from './runner.ts';
import type { Trajectory } from './trajectory.ts';

/** What a failed verdict gives the next round. */
export interface Retry {
  feedback: string;
  /** Verifications left, this round's included. */
  roundsLeft: number;
}

export interface VerifyRoundsInput<Outcome> {
  /** One run of the agent: on the task first, then with the feedback of the failed verdict. */
  work(retry?: Retry): Promise<Outcome>;
  /** The agent said it was done (rather than stopping at a limit): only then is it given another round. */
  finished(outcome: Outcome): boolean;
  verify: RunInput['verify'];
  /** Stops the rounds and a verification under way: an abort during a run is not verified. */
  signal: AbortSignal;
  /** settings.agent.verifyRounds: rounds after the first. */
  retries: number;
  trajectory: Trajectory;
  logger: Logger;
  /** What to log with each verdict about the run, e.g. its stop reason. */
  describe(outcome: Outcome): Record<string, unknown>;
}

export interface VerifyRoundsResult<Outcome> {
  /** The last run's outcome. */
  outcome: Outcome;
  verdict: Verdict;
  rounds: number;
}

export async function verifyRounds<Outcome>(
  input: VerifyRoundsInput<Outcome>,
): Promise<VerifyRoundsResult<Outcome>> {
  let retry: Retry | undefined;
  for (let rounds = 1; ; rounds += 1) {
    const outcome = await input.work(retry);
    input.signal.throwIfAborted();
    const verdict = await input.verify(input.signal);
    input.trajectory.record({ type: 'verify', round: rounds, ok: verdict.ok, checks: verdict.checks });
    input.logger.info(
      { round: rounds, ok: verdict.ok, ...input.describe(outcome) },
      'Verified the agent change',
    );
    if (verdict.ok || !input.finished(outcome) || rounds > input.retries) {
      return { outcome, verdict, rounds };
    }
    retry = { feedback: verdict.feedback, roundsLeft: input.retries + 1 - rounds };
  }
}
