// The bundled action's OIDC path as the runner runs it: core.getIDToken against a local stand-in of the
// Actions token endpoint, AssumeRoleWithWebIdentity against a strict local STS stand-in, and the send
// to fauxqs through a recording proxy, so the test sees which credentials signed the SQS call.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parseTaskMessage } from '../../action/task-message.ts';
import { type ActionHome, type ActionRun, prepareActionHome } from '../support/action-runner.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { type OidcTokenServer, startOidcTokenServer } from '../support/oidc-token-server.ts';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';
import { type StsServer, startStsServer } from '../support/sts-server.ts';
import { issuesPayload } from '../support/webhooks.ts';

const TOKEN = 'ghs_oidctesttoken00000000000000000000000';
const REPO = 'octo/demo';
const ROLE = 'arn:aws:iam::123456789012:role/codingworker-enqueue';

describe('the bundled action with role-to-assume (GitHub OIDC -> STS)', () => {
  let sqs: SqsEmulator;
  let proxy: RecordingProxy;
  let github: GitHubServer;
  let oidc: OidcTokenServer;
  let sts: StsServer;
  let home: ActionHome;
  let event: Record<string, unknown>;

  before(async () => {
    [sqs, github, oidc, home] = await Promise.all([
      startSqsEmulator(),
      startGitHubServer(),
      startOidcTokenServer({ repository: REPO }),
      prepareActionHome(),
    ]);
    proxy = await startRecordingProxy(sqs.endpoint);
    sts = await startStsServer({
      roleArn: ROLE,
      audience: 'sts.amazonaws.com',
      subjects: [`repo:${REPO}:*`],
      issuerKey: oidc.publicKey,
    });
    github.addUser('github-actions', 'Bot');
    github.addToken(TOKEN, 'github-actions');
    await github.addRepository({ owner: 'octo', name: 'demo' });
    github.setRole(REPO, 'Codertocat', 'maintain');
    const issue = github.addIssue(REPO, {
      title: 'Spelling error in the README file',
      labels: ['auto-code'],
    });
    const payload = issuesPayload('labeled') as unknown as {
      repository: { full_name: string };
      issue: { number: number };
      label: { name: string };
    };
    payload.repository.full_name = REPO;
    payload.issue.number = issue.number;
    payload.label.name = 'auto-code';
    event = payload as unknown as Record<string, unknown>;
  });
  afterEach(() => assert.deepEqual(github.violations, []));
  after(async () => {
    await Promise.all([sqs.stop(), proxy.close(), github.close(), oidc.close(), sts.close(), home.remove()]);
  });

  /** The runner's environment for a job with `permissions: id-token: write` and no AWS keys at all. */
  const oidcEnv = () => ({
    GITHUB_API_URL: github.url,
    AWS_ENDPOINT_URL_SQS: proxy.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
  });
  const run = (inputs: Record<string, string>, env: Record<string, string> = oidcEnv()) =>
    home.run({
      eventName: 'issues',
      payload: event,
      inputs: { 'queue-url': `https://sqs.us-east-1.amazonaws.com/000000000000/${sqs.queueName}`, ...inputs },
      githubToken: TOKEN,
      env,
    });
  const drain = async (): Promise<Message[]> => {
    const client = sqs.client();
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const message of Messages) {
      await client.send(
        new DeleteMessageCommand({ QueueUrl: sqs.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    client.destroy();
    return Messages;
  };
  const explain = (result: ActionRun) => `exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`;

  it('assumes the role with the OIDC token, signs the send with those credentials and masks them', async () => {
    const result = await run({ 'role-to-assume': ROLE });
    assert.equal(result.exitCode, 0, explain(result));

    const messages = await drain();
    assert.equal(messages.length, 1);
    const parsed = parseTaskMessage(messages[0]!.Body!);
    assert.ok(parsed.ok);
    assert.equal(result.outputs['message-id'], messages[0]!.MessageId);

    // The token endpoint was asked for the sts.amazonaws.com audience, and STS got exactly that token.
    assert.equal(oidc.issued.length, 1);
    assert.equal(oidc.issued[0]!.audience, 'sts.amazonaws.com');
    assert.equal(sts.requests.length, 1);
    assert.equal(sts.requests[0]!.WebIdentityToken, oidc.issued[0]!.token);
    assert.equal(sts.requests[0]!.RoleArn, ROLE);
    assert.equal(sts.requests[0]!.RoleSessionName, 'codingworker-enqueue-4242-1');
    assert.equal(sts.requests[0]!.DurationSeconds, '900');

    // The SQS call was signed with the assumed role's temporary credentials.
    const [credentials] = sts.issued;
    const sends = proxy.requests.filter(
      (request) => request.headers['x-amz-target'] === 'AmazonSQS.SendMessage',
    );
    assert.equal(sends.length, 1);
    assert.match(
      String(sends[0]!.headers.authorization),
      new RegExp(`Credential=${credentials!.accessKeyId}/`),
    );
    assert.equal(sends[0]!.headers['x-amz-security-token'], credentials!.sessionToken);

    // Every secret was masked before anything could print it, and none is printed elsewhere.
    const secrets = [credentials!.accessKeyId, credentials!.secretAccessKey, credentials!.sessionToken];
    for (const secret of [...secrets, oidc.issued[0]!.token]) assert.ok(result.masked.includes(secret));
    const printed = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const secret of secrets) assert.ok(!printed.includes(secret) && !result.stderr.includes(secret));
  });

  it('fails saying how to fix the trust policy when AWS refuses the role, and sends nothing', async () => {
    const other = 'arn:aws:iam::123456789012:role/someone-else';
    const sendsBefore = proxy.requests.length;
    const result = await run({ 'role-to-assume': other });
    assert.equal(result.exitCode, 1);
    assert.match(
      result.errors.join('\n'),
      /AWS refused to let this workflow assume arn:aws:iam::123456789012:role\/someone-else .*trust policy .*repo:octo\/demo:\*/,
    );
    assert.equal(proxy.requests.length, sendsBefore);
    assert.equal((await drain()).length, 0);
  });

  it('fails saying how to fix the identity provider when the audience is wrong', async () => {
    const result = await run({ 'role-to-assume': ROLE, audience: 'https://github.com/octo' });
    assert.equal(result.exitCode, 1);
    assert.match(
      result.errors.join('\n'),
      /did not accept the GitHub OIDC token .*audience https:\/\/github.com\/octo/,
    );
    assert.equal((await drain()).length, 0);
  });

  it('fails asking for id-token: write when the job has no OIDC token', async () => {
    const env: Record<string, string> = oidcEnv();
    delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    const result = await run({ 'role-to-assume': ROLE }, env);
    assert.equal(result.exitCode, 1);
    assert.match(
      result.errors.join('\n'),
      /could not get a GitHub OIDC token .*permissions: id-token: write/,
    );
    assert.equal((await drain()).length, 0);
  });

  it('without role-to-assume and without ambient credentials, fails saying where credentials come from', async () => {
    const stsCalls = sts.requests.length;
    const result = await run({});
    assert.equal(result.exitCode, 1);
    assert.match(result.errors.join('\n'), /no AWS credentials were found: set role-to-assume/);
    assert.equal(sts.requests.length, stsCalls);
    assert.equal((await drain()).length, 0);
  });
});
