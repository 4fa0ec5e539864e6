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

test('URL credentials behind any scheme, however the scheme is written or what precedes it', () => {
  for (const [text, expected] of [
    ['git+https://bob:hunter2@host/x', `git+https://${REDACTED}@host/x`],
    ['1https://bob:hunter2@host', `1https://${REDACTED}@host`],
    [`x${'1'.repeat(40)}://bob:hunter2@host`, `x${'1'.repeat(40)}://${REDACTED}@host`],
    ['(HTTPS://bob:hunter2@host)', `(HTTPS://${REDACTED}@host)`],
  ]) {
    assert.equal(redactText(text as string), expected);
  }
  assert.equal(redactText('1://bob:hunter2@host'), '1://bob:hunter2@host', 'no scheme: not a URL');
});

test('a long line is redacted in bounded time (a log line of one long word)', () => {
  const started = performance.now();
  for (const line of [
    'a'.repeat(100_000),
    'a1'.repeat(50_000),
    `${'a'.repeat(100_000)}://u:${'p'.repeat(1000)}`,
  ]) {
    redactText(line);
  }
  assert.ok(performance.now() - started < 2_000, 'the URL pattern was quadratic: seconds per line');
  assert.equal(
    redactText(`${'a'.repeat(50_000)}https://bob:hunter2@host`).endsWith(`https://${REDACTED}@host`),
    true,
  );
});
