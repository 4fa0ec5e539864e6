import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  encodeTaskMessage,
  parseTaskMessage,
  SQS_MESSAGE_LIMIT_BYTES,
  TRUNCATION_NOTE,
  taskFromIssuesEvent,
} from '../../action/task-message.ts';
import { taskMessageJsonSchema } from '../../action/task-message-json-schema.ts';
import { parsedIssue } from '../support/task-messages.ts';
import { issuesPayload } from '../support/webhooks.ts';

describe('task message', () => {
  const payload = issuesPayload('labeled');
  const task = taskFromIssuesEvent(payload, { triggerLabel: 'bug', now: new Date('2026-11-24T00:00:00Z') });

  it('carries the fields of docs/requirements.md#task-message from a real issues.labeled payload', () => {
    assert.equal(task.issue_number, payload.issue.number);
    assert.equal(task.repository, payload.repository.full_name);
    assert.equal(task.title, payload.issue.title);
    assert.deepEqual(task.labels, ['bug']);
    assert.equal(task.sender, payload.sender.login);
    assert.equal(task.event, 'issues.labeled');
    assert.equal(task.created_at, payload.issue.created_at);
    assert.equal(task.updated_at, payload.issue.updated_at);
    assert.equal(task.schema_version, 2);
    assert.equal(task.kind, 'issue');
  });

  it('round-trips through encode and parse, with the attributes of docs/requirements.md#task-message', () => {
    const encoded = encodeTaskMessage(task);
    assert.deepEqual(encoded.attributes, {
      IssueNumber: { DataType: 'Number', StringValue: String(task.issue_number) },
      Repository: { DataType: 'String', StringValue: task.repository },
    });
    assert.deepEqual(parseTaskMessage(encoded.body), { ok: true, task });
  });

  it('explains why a message is refused', () => {
    const notJson = parseTaskMessage('not json{');
    assert.equal(notJson.ok, false);
    assert.match(!notJson.ok ? notJson.reason : '', /not JSON/);
    const wrong = parseTaskMessage(JSON.stringify({ ...task, issue_number: -1, repository: 'no-slash' }));
    assert.equal(wrong.ok, false);
    assert.match(!wrong.ok ? wrong.reason : '', /issue_number/);
    assert.match(!wrong.ok ? wrong.reason : '', /repository: must be "owner\/name"/);
    const extra = parseTaskMessage(JSON.stringify({ ...task, api_url: 'https://evil.example' }));
    assert.equal(extra.ok, false, 'unknown fields are refused, so a message cannot redirect the worker');
  });

  it('cuts an oversized body on a character boundary and flags it, instead of failing at SQS', () => {
    const huge = { ...task, body: `${'界'.repeat(70_000)}🙂${'x'.repeat(100_000)}` };
    const encoded = encodeTaskMessage(huge);
    assert.ok(encoded.bytes <= SQS_MESSAGE_LIMIT_BYTES - 1_024, `${encoded.bytes} bytes`);
    assert.ok(encoded.bytes > SQS_MESSAGE_LIMIT_BYTES - 2_048, 'uses the room it has');
    const parsed = parsedIssue(parseTaskMessage(encoded.body));
    assert.equal(parsed.body_truncated, true);
    assert.ok(parsed.body.endsWith(TRUNCATION_NOTE));
    assert.ok(!parsed.body.includes('\uFFFD'), 'no split character');
    assert.equal(encodeTaskMessage(task).truncated, false);
  });

  it('counts JSON escaping when fitting the body', () => {
    const controls = { ...task, body: '\u0001'.repeat(200_000) };
    const encoded = encodeTaskMessage(controls);
    assert.ok(encoded.bytes <= SQS_MESSAGE_LIMIT_BYTES - 1_024);
    assert.equal(encoded.truncated, true);
  });

  it('is published as JSON Schema in docs/, and the file is current', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../docs/task-message.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(committed, taskMessageJsonSchema(), 'run `npm run schema` and commit docs/');
  });
});
