import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactText, redactValue } from '../../worker/core/redact.ts';
import { CANARY_SECRETS } from '../support/canary-secrets.ts';

test('every canary secret format is removed from text', () => {
  for (const [name, secret] of Object.entries(CANARY_SECRETS)) {
    const text = `before ${secret} after`;
    const redacted = redactText(text);
    assert.ok(!redacted.includes(secret), `${name} survived: ${redacted}`);
    assert.ok(redacted.includes(REDACTED), `${name}: nothing marked as redacted`);
    assert.ok(redacted.startsWith('before '), `${name}: too much removed: ${redacted}`);
  }
});

test('secrets are hidden by key at any depth, and by pattern inside errors, stacks and causes', () => {
  const error = new Error(`push failed: https://x-access-token:${CANARY_SECRETS.ghs}@github.com/o/r.git`, {
    cause: new Error(`token ${CANARY_SECRETS.ghp} refused`),
  });
  Object.assign(error, { headers: { authorization: 'Bearer abc' } });
  const value = redactValue({
    level1: { level2: { password: 'hunter2', apiKey: 'k', list: [{ secret: 's' }] } },
    error,
    maxTokens: 400_000,
    note: `key ${CANARY_SECRETS.akia}`,
  }) as Record<string, unknown>;
  const text = JSON.stringify(value);
  for (const secret of ['hunter2', '"k"', '"s"', 'Bearer abc', ...Object.values(CANARY_SECRETS)]) {
    assert.ok(!text.includes(secret), `${secret} survived: ${text}`);
  }
  assert.match(text, /"maxTokens":400000/, 'token counts are not secrets');
  assert.match(text, /push failed: https:\/\/\[REDACTED\]@github.com/);
});

test('ordinary text is left alone', () => {
  const text = 'Fix the token limit in parser.ts; see https://github.com/o/r/issues/3 (Basic auth docs)';
  assert.equal(redactText(text), text);
});

test('circular objects do not hang', () => {
  const value: Record<string, unknown> = { name: 'x' };
  value.self = value;
  assert.deepEqual(redactValue(value), { name: 'x', self: '[Circular]' });
});
