// A test double for the agent runner (worker/agent/runner.ts), for pipeline tests that are not about the
// model: it does the given work in the workspace, calls verify() as the real runners do, and returns a
// finished result. Never used for a figure about the agent.
import type { RunInput, Runner, RunResult, Verdict } from '../../worker/agent/runner.ts';

/** A hand-built Runner: does `work` in the workspace, calls verify() like the real one, returns `result`. */
export function fakeRunner(work: (input: RunInput) => void | Promise<void>, result: Partial<RunResult> = {}) {
  const calls: RunInput[] = [];
  const verdicts: Verdict[] = [];
  const runner: Runner = {
    async run(input) {
      calls.push(input);
      await work(input);
      input.onProgress?.({ step: 1, lastAction: 'cat > greet.py' });
      const verdict = await input.verify(input.signal);
      verdicts.push(verdict);
      return {
        finished: true,
        reason: 'done',
        summary: ['Added greet.py'],
        steps: [{ step: 1, action: 'cat > greet.py', exitCode: 0 }],
        verdict,
        verifyRounds: 1,
        strategy: 'shell',
        modelCalls: 1,
        promptTokens: 10,
        completionTokens: 5,
        newPromptTokens: 10,
        modelMs: 50,
        durationMs: 100,
        ...result,
      };
    },
  };
  return { runner, calls, verdicts };
}
