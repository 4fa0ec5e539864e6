// Measures the enqueue action's own time: `node dist/index.js` started as the runner starts it, to the
// message sent ("queued issue #N" logged after SendMessage returned), and to exit (after the comment).
// Against local servers: fauxqs, the GitHub test server, and for --oidc the token endpoint and STS stand-ins.
//   node scripts/bench-action.ts [runs=30] [--oidc]
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { prepareActionHome } from '../test/support/action-runner.ts';
import { startGitHubServer } from '../test/support/github-server.ts';
import { startOidcTokenServer } from '../test/support/oidc-token-server.ts';
import { startSqsEmulator } from '../test/support/sqs-emulator.ts';
import { startStsServer } from '../test/support/sts-server.ts';
import { issuesPayload } from '../test/support/webhooks.ts';

const runs = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 30);
const oidcMode = process.argv.includes('--oidc');
const TOKEN = 'ghs_benchtoken000000000000000000000000';
const REPO = 'octo/demo';
const ROLE = 'arn:aws:iam::123456789012:role/codingworker-enqueue';

const [sqs, github, home, oidc] = await Promise.all([
  startSqsEmulator(),
  startGitHubServer(),
  prepareActionHome(),
  startOidcTokenServer({ repository: REPO }),
]);
const sts = await startStsServer({
  roleArn: ROLE,
  audience: 'sts.amazonaws.com',
  subjects: [`repo:${REPO}:*`],
  issuerKey: oidc.publicKey,
});
try {
  github.addUser('github-actions', 'Bot');
  github.addToken(TOKEN, 'github-actions');
  await github.addRepository({ owner: 'octo', name: 'demo' });
  github.setRole(REPO, 'Codertocat', 'write');
  const issue = github.addIssue(REPO, { title: 'Spelling error in the README file', labels: ['auto-code'] });
  const payload = issuesPayload('labeled');
  payload.repository.full_name = REPO;
  payload.issue.number = issue.number;
  payload.label = { name: 'auto-code' };

  const awsEnv: Record<string, string> = oidcMode
    ? {
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_EC2_METADATA_DISABLED: 'true',
        ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
      }
    : sqs.env;
  const sent: number[] = [];
  const total: number[] = [];
  for (let index = 0; index < runs; index++) {
    const result = await home.run({
      eventName: 'issues',
      payload,
      githubToken: TOKEN,
      inputs: {
        'queue-url': `https://sqs.us-east-1.amazonaws.com/000000000000/${sqs.queueName}`,
        ...(oidcMode ? { 'role-to-assume': ROLE } : {}),
      },
      env: { GITHUB_API_URL: github.url, ...awsEnv },
    });
    if (result.exitCode !== 0 || result.messageSentMs === undefined) {
      throw new Error(`run ${index + 1} failed:\n${result.stdout}\n${result.stderr}`);
    }
    sent.push(result.messageSentMs);
    total.push(result.totalMs);
  }
  const client = sqs.client();
  const received = await client.send(
    new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
  );
  client.destroy();
  if (!received.Messages?.length) throw new Error('no message reached the queue');

  const mode = oidcMode ? 'OIDC -> STS -> SQS' : 'ambient credentials -> SQS';
  console.log(
    `enqueue action, ${runs} runs of node dist/index.js (${mode}, comment on), node ${process.version}`,
  );
  console.log(`  start -> message sent: ${summary(sent)}`);
  console.log(`  start -> exit:         ${summary(total)}`);
} finally {
  await Promise.all([sqs.stop(), github.close(), home.remove(), oidc.close(), sts.close()]);
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  return `min ${ms(sorted[0]!)}  p50 ${ms(at(0.5))}  p95 ${ms(at(0.95))}  max ${ms(sorted.at(-1)!)}`;
}
