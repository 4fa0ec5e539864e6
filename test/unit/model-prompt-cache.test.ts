import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../worker/model/model.ts';
import { keepAliveMs, PromptCacheMeter } from '../../worker/model/prompt-cache.ts';

const SYSTEM: ChatMessage = { role: 'system', content: 'You are a careful programmer. '.repeat(100) };
const TASK: ChatMessage = { role: 'user', content: 'The greeting in hello.py misspells hello. '.repeat(20) };

/** A call of the given messages, sent at `at` ms and answered at once. */
function call(messages: ChatMessage[], reply = 'ok', at = 0, numCtx = 32_768) {
  return { messages, numCtx, reply, sentAt: at, doneAt: at };
}

describe('prompt cache meter', () => {
  it('counts all prompt tokens new on the first call', () => {
    const meter = new PromptCacheMeter();
    assert.equal(meter.measure(call([SYSTEM, TASK]), 900), 900);
  });

  it('counts an identical request as (almost) nothing new', () => {
    const meter = new PromptCacheMeter();
    meter.measure(call([SYSTEM, TASK]), 900);
    assert.equal(meter.measure(call([SYSTEM, TASK]), 900), 0);
  });

  it('counts only the appended share of an append-only conversation, the previous reply included', () => {
    const meter = new PromptCacheMeter();
    const reply = `${'I will read hello.py first. '.repeat(10)}\n\`\`\`bash\ncat hello.py\n\`\`\``;
    meter.measure(call([SYSTEM, TASK], reply), 1_000);
    const observation: ChatMessage = { role: 'user', content: 'print("helo, world")\n'.repeat(10) };
    const next = [SYSTEM, TASK, { role: 'assistant', content: reply } as ChatMessage, observation];
    const fresh = meter.measure(call(next), 1_100);
    // The observation is ~210 of ~4,500 characters: its share, plus a few tokens for the role markers
    // around it, but not the reply's share (~60 tokens), which Ollama still holds.
    const chars = next.reduce((sum, message) => sum + message.content.length, 0);
    const observationShare = (1_100 * observation.content.length) / chars;
    const replyShare = (1_100 * reply.length) / chars;
    assert.ok(replyShare > 50);
    assert.ok(
      fresh >= Math.floor(observationShare) && fresh < observationShare + 10,
      `${fresh} new tokens, expected about ${Math.round(observationShare)}`,
    );
  });

  it('counts everything after an edited first message as new', () => {
    const meter = new PromptCacheMeter();
    meter.measure(call([SYSTEM, TASK]), 900);
    const edited: ChatMessage = { role: 'system', content: `Be brief. ${SYSTEM.content}` };
    const fresh = meter.measure(call([edited, TASK]), 905);
    assert.ok(fresh >= 900 && fresh <= 905, `${fresh}`);
  });

  it('counts a later edit from the edit on', () => {
    const meter = new PromptCacheMeter();
    meter.measure(call([SYSTEM, TASK]), 1_000);
    const shortened: ChatMessage = { role: 'user', content: TASK.content.slice(0, 400) };
    const fresh = meter.measure(call([SYSTEM, shortened]), 900);
    assert.ok(fresh > 0 && fresh < 10, `only the end marker after the cut is new, got ${fresh}`);
  });

  it('counts all new after a num_ctx change, or when keep_alive ran out', () => {
    const meter = new PromptCacheMeter(60_000);
    meter.measure(call([SYSTEM, TASK], 'ok', 0, 8_192), 900);
    assert.equal(meter.measure(call([SYSTEM, TASK], 'ok', 1_000, 16_384), 900), 900, 'a reload');
    assert.equal(meter.measure(call([SYSTEM, TASK], 'ok', 30_000, 16_384), 900), 0, 'within keep_alive');
    assert.equal(meter.measure(call([SYSTEM, TASK], 'ok', 100_000, 16_384), 900), 900, 'unloaded');
  });

  it("takes the server's cached count when it reports one, and forgets after a failure", () => {
    const meter = new PromptCacheMeter();
    assert.equal(meter.measure(call([SYSTEM, TASK]), 900, 640), 260);
    assert.equal(meter.measure(call([SYSTEM, TASK]), 900, 2_000), 0, 'never below 0');
    meter.forget();
    assert.equal(meter.measure(call([SYSTEM, TASK]), 900), 900);
    assert.equal(meter.measure(call([SYSTEM, TASK]), 0), 0, 'no count, nothing new');
  });

  it('reads keep_alive as Ollama does: seconds, Go durations, negative for ever', () => {
    assert.equal(keepAliveMs('30m'), 1_800_000);
    assert.equal(keepAliveMs('1h30m'), 5_400_000);
    assert.equal(keepAliveMs('300s'), 300_000);
    assert.equal(keepAliveMs('2.5m'), 150_000);
    assert.equal(keepAliveMs(90), 90_000);
    assert.equal(keepAliveMs(0), 0);
    assert.equal(keepAliveMs(-1), Number.POSITIVE_INFINITY);
    assert.equal(keepAliveMs('-1m'), Number.POSITIVE_INFINITY);
  });
});
