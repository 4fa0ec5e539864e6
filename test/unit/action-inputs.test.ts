import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GetInput, readInputs } from '../../action/inputs.ts';
import { regionFromQueueUrl } from '../../action/queue-url.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/codingworker-tasks';

/** getInput over a map, behaving like @actions/core's (trimmed, '' when unset, throws when required). */
function inputs(values: Record<string, string>): GetInput {
  return (name, options) => {
    const value = (values[name] ?? '').trim();
    if (options?.required && !value) throw new Error(`Input required and not supplied: ${name}`);
    return value;
  };
}

const base = { 'queue-url': QUEUE, 'github-token': 'ghs_x' };

describe('action inputs', () => {
  it('applies the defaults and derives the region from the queue URL', () => {
    assert.deepEqual(readInputs(inputs(base), {}), {
      queueUrl: QUEUE,
      region: 'eu-west-1',
      roleToAssume: undefined,
      audience: 'sts.amazonaws.com',
      triggerLabel: 'auto-code',
      minPermission: 'write',
      githubToken: 'ghs_x',
      comment: true,
      allowedBots: [],
      mention: '@codingworker',
      fixFailingChecks: false,
    });
  });

  it('reads every input', () => {
    const settings = readInputs(
      inputs({
        ...base,
        'aws-region': 'eu-west-1',
        'role-to-assume': 'arn:aws:iam::123456789012:role/codingworker-enqueue',
        audience: 'https://github.com/octo',
        'trigger-label': 'ai:fix',
        'min-permission': 'maintain',
        comment: 'False',
        'allowed-bots': 'renovate[bot],\ndependabot[bot]',
        mention: '@octo-fixer',
        'fix-failing-checks': 'true',
      }),
      {},
    );
    assert.equal(settings.roleToAssume, 'arn:aws:iam::123456789012:role/codingworker-enqueue');
    assert.equal(settings.audience, 'https://github.com/octo');
    assert.equal(settings.triggerLabel, 'ai:fix');
    assert.equal(settings.minPermission, 'maintain');
    assert.equal(settings.comment, false);
    assert.deepEqual(settings.allowedBots, ['renovate[bot]', 'dependabot[bot]']);
    assert.equal(settings.mention, '@octo-fixer');
    assert.equal(settings.fixFailingChecks, true);
  });

  it('knows the region forms of AWS queue URLs', () => {
    assert.equal(regionFromQueueUrl('https://sqs.us-east-1.amazonaws.com/1/q'), 'us-east-1');
    assert.equal(regionFromQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/1/q'), 'cn-north-1');
    assert.equal(regionFromQueueUrl('https://ap-southeast-2.queue.amazonaws.com/1/q'), 'ap-southeast-2');
    assert.equal(regionFromQueueUrl('https://sqs.us-gov-west-1.amazonaws.com/1/q'), 'us-gov-west-1');
    assert.equal(regionFromQueueUrl('http://127.0.0.1:9324/000000000000/q'), undefined);
  });

  it('falls back to AWS_REGION for queue URLs without a region, and says what to set without one', () => {
    const local = { ...base, 'queue-url': 'http://127.0.0.1:9324/000000000000/q' };
    assert.equal(readInputs(inputs(local), { AWS_REGION: 'us-west-2' }).region, 'us-west-2');
    assert.equal(readInputs(inputs(local), { AWS_DEFAULT_REGION: 'us-west-1' }).region, 'us-west-1');
    assert.throws(() => readInputs(inputs(local), {}), /aws-region is needed: .* set aws-region/);
  });

  it('refuses an aws-region that contradicts the queue URL', () => {
    assert.throws(
      () => readInputs(inputs({ ...base, 'aws-region': 'us-east-1' }), {}),
      /aws-region us-east-1 does not match the region eu-west-1 in queue-url: remove aws-region or correct it/,
    );
  });

  it('says what to fix for each missing or malformed input', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'github-token': 'x' }, /Input queue-url is required: set it to your queue URL/],
      [{ ...base, 'queue-url': 'not a url' }, /queue-url must be a queue URL like https:\/\/sqs/],
      [
        { ...base, 'queue-url': 'https://sqs.us-east-1.amazonaws.com/q' },
        /must end in \/<account-id>\/<queue-name>/,
      ],
      [{ 'queue-url': QUEUE }, /Input github-token is required/],
      [{ ...base, 'aws-region': 'Europe' }, /aws-region must be an AWS region/],
      [{ ...base, 'role-to-assume': 'codingworker' }, /role-to-assume must be an IAM role ARN/],
      [
        { ...base, 'min-permission': 'owner' },
        /min-permission must be one of read, triage, write, maintain, admin/,
      ],
      [{ ...base, 'trigger-label': 'x'.repeat(51) }, /trigger-label must be at most 50 characters/],
      [{ ...base, comment: 'yes' }, /comment must be true or false/],
      [{ ...base, 'allowed-bots': 'ok[bot], not a login!' }, /allowed-bots must list bot logins/],
      [{ ...base, mention: '@two words' }, /mention must be one word such as @codingworker/],
      [{ ...base, 'fix-failing-checks': 'on' }, /fix-failing-checks must be true or false/],
    ];
    for (const [values, message] of cases) assert.throws(() => readInputs(inputs(values), {}), message);
  });
});
