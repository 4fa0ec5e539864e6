import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeTaskMessage,
  parseTaskMessage,
  SQS_MESSAGE_LIMIT_BYTES,
  taskFromIssuesEvent,
  toSqsJson,
} from '../../action/task-message.ts';
import { parsedIssue } from '../support/task-messages.ts';
import { issuesPayload } from '../support/webhooks.ts';

// What SQS accepts in any implementation: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD (fauxqs's set).
const SQS_SAFE = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD]*$/;

function taskWithBody(body: string) {
  const payload = issuesPayload('labeled');
  payload.issue.body = body;
  return taskFromIssuesEvent(payload, { triggerLabel: 'bug', now: new Date('2026-11-24T00:00:00Z') });
}

describe('SQS-safe message body', () => {
  it('escapes characters beyond U+FFFF and the noncharacters U+FFFE/U+FFFF, changing no parsed value', () => {
    const text = 'a 🐛 b \uFFFF c 日本語 \u0001';
    const escaped = toSqsJson({ text });
    assert.match(escaped, SQS_SAFE);
    assert.equal(escaped.includes('\\ud83d\\udc1b'), true);
    assert.deepEqual(JSON.parse(escaped), { text });
  });

  it('leaves an ordinary body untouched', () => {
    const task = taskWithBody('Fix the README — naïve café');
    const encoded = encodeTaskMessage(task);
    assert.deepEqual(parseTaskMessage(encoded.body), { ok: true, task });
  });

  it('keeps a body of emoji within the limit after escaping, cut and flagged', () => {
    for (const body of ['🙂'.repeat(100_000), `${'a'.repeat(200_000)}${'🙂'.repeat(20_000)}`]) {
      const encoded = encodeTaskMessage(taskWithBody(body));
      assert.match(encoded.body, SQS_SAFE);
      assert.ok(encoded.bytes <= SQS_MESSAGE_LIMIT_BYTES - 1_024, `${encoded.bytes} bytes`);
      assert.equal(encoded.bytes, Buffer.byteLength(encoded.body));
      const parsed = parsedIssue(parseTaskMessage(encoded.body));
      assert.equal(parsed.body_truncated, true);
      assert.ok(body.startsWith(parsed.body.slice(0, parsed.body.indexOf('\n\n[CodingWorker'))));
    }
  });
});
