// `codingworker enqueue --repo --issue` reads the issue from a GitHub test server (validated against
// GitHub's OpenAPI description) and sends the task built by the action's code to CW_QUEUE_URL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { parseTaskMessage } from '../../action/task-message.ts';
import { CLI_ENTRY } from '../support/daemon-process.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';
import { parsedIssue, receiveAll } from '../support/task-messages.ts';
import { issuesPayload } from '../support/webhooks.ts';

const run = promisify(execFile);
let github: GitHubServer;
let sqs: SqsEmulator;

before(async () => {
  github = await startGitHubServer();
  sqs = await startSqsEmulator();
  github.addToken('ghp_CANARYcanaryCANARYcanaryCANARYcan123', 'maintainer', ['repo']);
  await github.addRepository({ owner: 'octo', name: 'app' });
  github.addIssue('octo/app', {
    title: 'Fix the parser',
    body: 'It breaks on empty input.',
    labels: ['auto-code'],
  });
});
after(async () => {
  await github.close();
  await sqs.stop();
});

test('enqueue --repo --issue sends a manual task for the issue, sent by the token owner', async () => {
  const { stdout } = await run(
    process.execPath,
    [CLI_ENTRY, 'enqueue', '--repo', 'octo/app', '--issue', '1'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        ...sqs.env,
        CW_QUEUE_URL: sqs.queueUrl,
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: 'ghp_CANARYcanaryCANARYcanaryCANARYcan123',
      },
    },
  );
  assert.match(stdout, /enqueued octo\/app#1 as message/);
  assert.ok(!stdout.includes('ghp_CANARY'));
  const [message] = await receiveAll(sqs.client(), sqs.queueUrl);
  const parsed = parseTaskMessage(message!.Body!);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  assert.equal(parsed.task.event, 'manual');
  assert.equal(parsed.task.issue_number, 1);
  assert.equal(parsed.task.repository, 'octo/app');
  assert.equal(parsed.task.title, 'Fix the parser');
  assert.equal(parsed.task.sender, 'maintainer');
  assert.deepEqual(parsedIssue(parsed).labels, ['auto-code']);
  assert.equal(message!.MessageAttributes?.IssueNumber?.StringValue, '1');
  assert.deepEqual(github.violations, []);
});

test('enqueue --repo without GITHUB_TOKEN says what to set', async () => {
  await assert.rejects(
    run(process.execPath, [CLI_ENTRY, 'enqueue', '--repo', 'octo/app', '--issue', '1'], {
      env: { PATH: process.env.PATH ?? '', ...sqs.env, CW_QUEUE_URL: sqs.queueUrl },
    }),
    (error: { stderr: string }) => /set GITHUB_TOKEN \(or use --payload <file>\)/.test(error.stderr),
  );
});

test('enqueue --payload with bad data names the file and the payload field, and sends nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-payload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"action": "labeled", "issue": ');
  const wrongField = join(dir, 'wrong-field.json');
  const payload = issuesPayload('labeled');
  writeFileSync(wrongField, JSON.stringify({ ...payload, issue: { ...payload.issue, number: 'seven' } }));
  const notAnEvent = join(dir, 'not-an-event.json');
  writeFileSync(notAnEvent, JSON.stringify({ hello: 'world' }));
  const enqueue = (file: string) =>
    run(process.execPath, [CLI_ENTRY, 'enqueue', '--payload', file], {
      env: { PATH: process.env.PATH ?? '', ...sqs.env, CW_QUEUE_URL: sqs.queueUrl },
    });
  const fails = (file: string, expected: RegExp) =>
    assert.rejects(enqueue(file), (error: { stderr: string }) => {
      assert.match(error.stderr, expected);
      assert.doesNotMatch(error.stderr, /"code":|ZodError|^\s+at /m, 'no raw schema dump or stack');
      return true;
    });
  await fails(broken, /--payload .*broken\.json is not valid JSON/);
  await fails(wrongField, /--payload .*wrong-field\.json .*issue\.number: /);
  await fails(notAnEvent, /--payload .*not-an-event\.json: "issue" is missing/);
  assert.deepEqual(await receiveAll(sqs.client(), sqs.queueUrl), []);
});
