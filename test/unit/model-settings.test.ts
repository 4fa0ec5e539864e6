import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSettings, SettingsError } from '../../worker/core/settings.ts';

test('CW_MODEL_KEEP_ALIVE: 30m by default; durations stay text, seconds become a number', () => {
  assert.equal(loadSettings({}).model.keepAlive, '30m');
  assert.equal(loadSettings({ CW_MODEL_KEEP_ALIVE: '1h' }).model.keepAlive, '1h');
  assert.equal(loadSettings({ CW_MODEL_KEEP_ALIVE: ' 1h30m ' }).model.keepAlive, '1h30m');
  // Ollama rejects "300" as a duration without a unit, but takes the number 300 as seconds.
  assert.equal(loadSettings({ CW_MODEL_KEEP_ALIVE: '300' }).model.keepAlive, 300);
  assert.equal(loadSettings({ CW_MODEL_KEEP_ALIVE: '-1' }).model.keepAlive, -1);
});

test('a CW_MODEL_KEEP_ALIVE Ollama would not read fails at start-up, naming the variable and the forms', () => {
  for (const value of ['5 minutes', '30x', 'forever', '1h-']) {
    assert.throws(
      () => loadSettings({ CW_MODEL_KEEP_ALIVE: value }),
      (error: unknown) =>
        error instanceof SettingsError &&
        /CW_MODEL_KEEP_ALIVE: must be a duration such as 30m, 1h or 300s, a number of seconds, or -1/.test(
          error.message,
        ),
      value,
    );
  }
});
