import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fitToBudget,
  isShortened,
  promptBudget,
  replyTokens,
  TokenEstimator,
} from '../../worker/agent/context-budget.ts';
import type { ChatMessage } from '../../worker/model/model.ts';

function history(observations: number, size: number): ChatMessage[] {
  const messages: ChatMessage[] = [
    { role: 'system', content: `SYSTEM ${'s'.repeat(600)}` },
    { role: 'user', content: `TASK ${'t'.repeat(600)}` },
  ];
  for (let index = 0; index < observations; index += 1) {
    messages.push({ role: 'assistant', content: `step ${index}\n\`\`\`bash\ncat file${index}\n\`\`\`` });
    messages.push({ role: 'user', content: `OBS${index} ${'o'.repeat(size)}` });
  }
  return messages;
}

describe('context budget', () => {
  it('keeps room for the reply inside num_ctx', () => {
    assert.equal(replyTokens(32_768), 2_048);
    assert.equal(promptBudget(32_768), 30_720);
    assert.equal(replyTokens(4_096), 1_024);
    assert.equal(promptBudget(4_096), 3_072);
  });

  it('estimates conservatively (characters / 3) and only learns towards more tokens per character', () => {
    const estimator = new TokenEstimator();
    const messages: ChatMessage[] = [{ role: 'user', content: 'x'.repeat(3_000) }];
    assert.equal(estimator.estimate(messages), 1_000 + 8);
    estimator.learn(messages, 500); // the server says 6 characters a token: keep 3
    assert.equal(estimator.estimate(messages), 1_008);
    estimator.learn(messages, 2_000); // 1.5 characters a token: believe it, with a margin
    assert.ok(estimator.estimate(messages) >= 2_000);
  });

  it('leaves a history that fits alone', () => {
    const messages = history(2, 100);
    const before = structuredClone(messages);
    assert.equal(fitToBudget(messages, 10_000, new TokenEstimator()).shortened, 0);
    assert.deepEqual(messages, before);
  });

  it('shortens the oldest observations first and never the system prompt or the task', () => {
    const messages = history(6, 3_000);
    const before = structuredClone(messages);
    const estimator = new TokenEstimator();
    const budget = 5_000;
    assert.ok(estimator.estimate(messages) > budget);
    const result = fitToBudget(messages, budget, estimator);
    assert.ok(result.tokens <= budget * 0.75, `fits with room to grow: ${result.tokens}`);
    assert.equal(result.tokens, estimator.estimate(messages));
    assert.deepEqual(messages.slice(0, 2), before.slice(0, 2), 'system prompt and task intact');
    const shortened = messages.map((message) => isShortened(message.content));
    // Observations are user messages at odd indexes from 3; the oldest are shortened, the newest kept.
    assert.equal(shortened[3], true);
    assert.equal(shortened.at(-1), false, 'the newest observation is kept whole');
    const firstKept = shortened.findIndex((value, index) => index > 2 && !value && index % 2 === 1);
    assert.ok(
      shortened.slice(firstKept).every((value) => !value),
      'no older one is kept while a newer is cut',
    );
    // Each shortened observation still starts as it did (the model sees which command it was).
    assert.ok(messages[3]!.content.startsWith('OBS0 ooo'));
    assert.equal(messages.length, before.length, 'append-only: nothing removed');
  });

  it('cuts the middle of the newest message when it alone is too large', () => {
    const messages = history(1, 60_000);
    const result = fitToBudget(messages, 4_000, new TokenEstimator());
    assert.ok(result.tokens <= 4_000, `${result.tokens}`);
    assert.match(messages.at(-1)!.content, /characters cut here/);
    assert.ok(messages.at(-1)!.content.startsWith('OBS0'));
  });

  it('is stable: fitting again after shortening changes nothing', () => {
    const messages = history(6, 3_000);
    const estimator = new TokenEstimator();
    fitToBudget(messages, 5_000, estimator);
    const once = structuredClone(messages);
    assert.equal(fitToBudget(messages, 5_000, estimator).shortened, 0);
    assert.deepEqual(messages, once);
  });
});
