// The whole system on one machine, for the end-to-end tests, the soak and the benchmark: the GitHub test
// server (OpenAPI-checked, real git http-backend) behind a holding proxy, the bundled action run as the
// runner runs it with the OIDC and STS stand-ins, fauxqs with its dead-letter queue, the scripted Ollama
// API and `codingworker start` as a real subprocess (bin/codingworker.js) on the real Docker sandbox.
// Tests observe only what GitHub (the test server), the queue and the machine end up holding.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import Docker from 'dockerode';
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import { encodeTaskMessage, taskFromIssuesEvent } from '../../action/task-message.ts';
import { LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';
import { type ActionRun, prepareActionHome } from './action-runner.ts';
import { launcherRoot } from './cli-launcher.ts';
import { type DaemonProcess, spawnDaemon } from './daemon-process.ts';
import { type HoldingProxy, startHoldingProxy } from './e2e-holding-proxy.ts';
import { freePort } from './free-port.ts';
import { canaryToken } from './github-forge-fixture.ts';
import { type CommentState, type GitHubServer, type PullState, startGitHubServer } from './github-server.ts';
import { startOidcTokenServer } from './oidc-token-server.ts';
import {
  type ChatRequest,
  type ScriptedOllama,
  type ScriptedReply,
  startScriptedOllama,
} from './scripted-ollama.ts';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.ts';
import { startStsServer } from './sts-server.ts';
import { issuesPayload } from './webhooks.ts';

const run = promisify(execFile);

export const OWNER = 'octo';
export const REPO = 'demo';
export const FULL_NAME = `${OWNER}/${REPO}`;
export const MODEL = 'qwen2.5-coder:1.5b';
/** Who labels issues in the real payload (@octokit/webhooks-examples' issues.labeled sender). */
export const LABELLER = 'Codertocat';
const ROLE = 'arn:aws:iam::123456789012:role/codingworker-enqueue';
const ACTIONS_TOKEN = 'ghs_e2eActionsJobToken0000000000000000000';

/** One reply of the agent's text protocol: prose, then one shell command in a fenced block. */
export const bash = (command: string, prose = 'Next step.') => `${prose}\n\`\`\`bash\n${command}\n\`\`\``;

/** What the scripted model answers, from the conversation so far (so any number of tasks can share it). */
export type Policy = (request: ChatRequest, step: number) => string | ScriptedReply;

/** The honest agent: writes hello.py in one step, then finishes with a one-line summary. */
export const solvePolicy: Policy = (_request, step) =>
  step === 0
    ? bash(`cat > hello.py <<'EOF'\ndef hello():\n    return "hello"\nEOF`, 'I will add the function.')
    : bash('echo CODINGWORKER_DONE', '- Add hello(), which returns "hello"');

export interface IssueState {
  number: number;
  pulls: PullState[];
  comments: CommentState[];
  statuses: Array<{ sha: string; state: string; description: string | null }>;
  branchSha: string | undefined;
}

export interface E2eStack {
  github: GitHubServer;
  /** The worker's GITHUB_API_URL: a proxy in front of the test server that can hold requests. */
  githubProxy: HoldingProxy;
  sqs: SqsEmulator;
  ollama: ScriptedOllama;
  /** OLLAMA_HOST of the workers; nothing listens there until startOllamaProxy() (Ollama "down"). */
  ollamaUrl: string;
  workerToken: string;
  workDir: string;
  /** The worker's HOME (holds a planted ~/.aws/credentials in hostile tests). */
  home: string;
  workerId: string;
  /** The scripted model's behaviour; replace it per test. */
  policy: Policy;
  /** Adds an issue labelled auto-code and runs the bundled action on the real issues.labeled payload. */
  label(issue?: { title?: string; body?: string }): Promise<{ number: number; action: ActionRun }>;
  /**
   * Adds `count` labelled issues and sends their task messages straight to the queue (as `codingworker
   * enqueue` does, without the action's node start-up): the soak's and the benchmark's feed.
   */
  enqueueDirect(count: number): Promise<number[]>;
  workerEnv(env?: Record<string, string>): Record<string, string>;
  /** `node bin/codingworker.js start` as the maintainer would run it. */
  startWorker(env?: Record<string, string>): DaemonProcess;
  /** Lets the workers reach the scripted model (started by default; stopOllamaProxy takes it down). */
  startOllamaProxy(): Promise<void>;
  stopOllamaProxy(): Promise<void>;
  issue(number: number): Promise<IssueState>;
  /** Sends a second copy of the message waiting on the queue (SQS's at-least-once delivery). */
  duplicateQueued(): Promise<void>;
  /** Runs `codingworker <args>` (the real launcher) with the workers' environment. */
  cli(args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
  /** Messages on the task queue and its DLQ (visible + in flight). */
  queueDepth(): Promise<{ queue: number; dlq: number }>;
  /** Sandbox containers of this stack's workers. */
  containers(): Promise<number>;
  /** Workspace directories left under CW_WORK_DIR. */
  workspaces(): string[];
  /** Kills (SIGKILL) and waits for every worker this stack started that is still alive. */
  killWorkers(): Promise<void>;
  close(): Promise<void>;
}

let stacks = 0;

export async function startE2eStack(
  options: { visibilityTimeout?: number; script?: boolean } = {},
): Promise<E2eStack> {
  stacks += 1;
  const workerId = `e2e-${process.pid}-${stacks}`;
  const scratch = mkdtempSync(join(tmpdir(), 'cw-e2e-'));
  const workDir = join(scratch, 'work');
  const home = join(scratch, 'home');
  mkdirSync(workDir);
  mkdirSync(home);
  const launcher = launcherRoot(join(scratch, 'cli'));

  const [github, sqs, ollama, oidc, actionHome] = await Promise.all([
    startGitHubServer(),
    startSqsEmulator({ visibilityTimeout: options.visibilityTimeout ?? 4 }),
    startScriptedOllama({ models: [{ name: MODEL }] }),
    startOidcTokenServer({ repository: FULL_NAME }),
    prepareActionHome(),
  ]);
  const sts = await startStsServer({
    roleArn: ROLE,
    audience: 'sts.amazonaws.com',
    subjects: [`repo:${FULL_NAME}:*`],
    issuerKey: oidc.publicKey,
  });
  const githubProxy = await startHoldingProxy(github.url);
  const workerToken = canaryToken();
  github.addToken(workerToken, 'maint');
  github.addUser('github-actions', 'Bot');
  github.addToken(ACTIONS_TOKEN, 'github-actions');
  await github.addRepository({
    owner: OWNER,
    name: REPO,
    files: { 'README.md': '# demo\n', 'src/app.py': 'x = 1\n' },
  });
  await github.addRepository({ owner: OWNER, name: 'other' });
  github.setRole(FULL_NAME, 'maint', 'admin');
  github.setRole(FULL_NAME, LABELLER, 'maintain');

  const ollamaPort = await freePort();
  const ollamaUrl = `http://127.0.0.1:${ollamaPort}`;
  let ollamaProxy: HoldingProxy | undefined;

  const stack: E2eStack = {
    github,
    githubProxy,
    sqs,
    ollama,
    ollamaUrl,
    workerToken,
    workDir,
    home,
    workerId,
    policy: solvePolicy,
    async label(issue = {}) {
      const created = github.addIssue(FULL_NAME, {
        title: issue.title ?? 'Add a greeting',
        body: issue.body ?? 'Please add hello() to hello.py.',
        labels: ['auto-code'],
        user: LABELLER,
      });
      const payload = labelledPayload(created.number, created.title, created.body);
      const action = await actionHome.run({
        eventName: 'issues',
        payload,
        inputs: {
          'queue-url': `https://sqs.us-east-1.amazonaws.com/000000000000/${sqs.queueName}`,
          'role-to-assume': ROLE,
        },
        githubToken: ACTIONS_TOKEN,
        env: {
          GITHUB_API_URL: github.url,
          AWS_ENDPOINT_URL_SQS: sqs.endpoint,
          AWS_ENDPOINT_URL_STS: sts.url,
          AWS_EC2_METADATA_DISABLED: 'true',
          ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
        },
      });
      if (
        action.exitCode !== 0 ||
        action.outputs['message-id'] === undefined ||
        action.outputs.skipped !== 'false'
      ) {
        throw new Error(
          `the action did not enqueue: exit ${action.exitCode}\n${action.stdout}\n${action.stderr}`,
        );
      }
      return { number: created.number, action };
    },
    async enqueueDirect(count) {
      const client = sqs.client();
      const numbers: number[] = [];
      try {
        for (let first = 0; first < count; first += 10) {
          const entries = [];
          for (let index = first; index < Math.min(count, first + 10); index++) {
            const created = github.addIssue(FULL_NAME, {
              title: `Add a greeting ${index}`,
              body: 'Please add hello() to hello.py.',
              labels: ['auto-code'],
              user: LABELLER,
            });
            numbers.push(created.number);
            const payload = labelledPayload(created.number, created.title, created.body);
            const encoded = encodeTaskMessage(
              taskFromIssuesEvent(payload as never, { triggerLabel: 'auto-code' }),
            );
            entries.push({
              Id: String(index),
              MessageBody: encoded.body,
              MessageAttributes: encoded.attributes,
            });
          }
          await client.send(new SendMessageBatchCommand({ QueueUrl: sqs.queueUrl, Entries: entries }));
        }
      } finally {
        client.destroy();
      }
      return numbers;
    },
    workerEnv(env = {}) {
      return {
        ...sqs.env,
        HOME: home,
        CW_QUEUE_URL: sqs.queueUrl,
        GITHUB_API_URL: githubProxy.url,
        GITHUB_TOKEN: workerToken,
        OLLAMA_HOST: ollamaUrl,
        CW_MODEL: MODEL,
        CW_WORK_DIR: workDir,
        CW_HEALTH_PORT: '0',
        CW_WORKER_ID: workerId,
        CW_LOG_LEVEL: 'debug',
        CW_PR_LANGUAGE: 'en',
        CW_WAIT_TIME_SECONDS: '1',
        CW_VISIBILITY_TIMEOUT: '4',
        CW_HEARTBEAT_INTERVAL: '1',
        CW_RETRY_DELAYS: '0,1,2',
        CW_SHUTDOWN_GRACE: '2',
        CW_SANDBOX_MEMORY_MB: '256',
        CW_COMMAND_TIMEOUT: '30',
        CW_MODEL_TIMEOUT: '30',
        ...env,
      };
    },
    startWorker(env = {}) {
      const daemon = spawnDaemon(stack.workerEnv(env), [join(launcher, 'bin', 'codingworker.js'), 'start']);
      workers.push(daemon);
      return daemon;
    },
    async startOllamaProxy() {
      ollamaProxy ??= await startHoldingProxy(ollama.url, ollamaPort);
    },
    async stopOllamaProxy() {
      await ollamaProxy?.close();
      ollamaProxy = undefined;
    },
    async issue(number) {
      const repo = github.repository(FULL_NAME);
      const branch = `auto-code/issue-${number}`;
      const branchSha = await github.branchSha(FULL_NAME, branch);
      return {
        number,
        pulls: repo.pulls.filter((pull) => pull.head === branch),
        comments: repo.comments.filter((comment) => comment.issueNumber === number),
        statuses: repo.statuses
          .filter((status) => status.sha === branchSha)
          .map(({ sha, state, description }) => ({ sha, state, description })),
        branchSha,
      };
    },
    async duplicateQueued() {
      const client = sqs.client();
      try {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: sqs.queueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: 5,
            MessageAttributeNames: ['All'],
          }),
        );
        const [message] = Messages;
        if (!message) throw new Error('no message on the queue to duplicate');
        await client.send(
          new SendMessageCommand({
            QueueUrl: sqs.queueUrl,
            MessageBody: message.Body,
            MessageAttributes: message.MessageAttributes,
          }),
        );
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: sqs.queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      } finally {
        client.destroy();
      }
    },
    cli(args, env = {}) {
      return run(process.execPath, [join(launcher, 'bin', 'codingworker.js'), ...args], {
        env: { PATH: process.env.PATH ?? '', ...stack.workerEnv(env) },
        timeout: 30_000,
      });
    },
    async queueDepth() {
      const client = sqs.client();
      const count = async (url: string) => {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return (
          Number(Attributes.ApproximateNumberOfMessages ?? 0) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
        );
      };
      try {
        return { queue: await count(sqs.queueUrl), dlq: await count(sqs.dlqUrl) };
      } finally {
        client.destroy();
      }
    },
    async containers() {
      const found = await new Docker().listContainers({
        all: true,
        filters: { label: [`${LABEL_WORKER}=${workerId}`] },
      });
      return found.length;
    },
    workspaces() {
      try {
        return readdirSync(join(workDir, 'workspaces'));
      } catch {
        return [];
      }
    },
    async killWorkers() {
      for (const worker of workers) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
        await worker.exited;
      }
    },
    async close() {
      await stack.killWorkers();
      await removeContainers(workerId);
      await Promise.all([
        stack.stopOllamaProxy(),
        githubProxy.close(),
        github.close(),
        sqs.stop(),
        ollama.close(),
        oidc.close(),
        sts.close(),
        actionHome.remove(),
      ]);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  const workers: DaemonProcess[] = [];

  // The model answers from the policy of the moment; one scripted step per chat request, enough for a soak.
  const delegate = (request: ChatRequest) =>
    stack.policy(request, request.messages.filter((message) => message.role === 'assistant').length);
  ollama.push(...Array.from({ length: 20_000 }, () => delegate));
  if (options.script !== false) await stack.startOllamaProxy();
  return stack;
}

/** Polls until check() returns a value other than undefined/false, or fails saying what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  explain: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The progress comment (the action's queued comment, which the worker keeps editing). */
export function progressComments(state: IssueState): CommentState[] {
  return state.comments.filter((comment) => comment.body.includes(PROGRESS_MARKER));
}

/** The commit message of a commit in the test server's bare repository. */
export async function commitMessageOf(github: GitHubServer, sha: string): Promise<string> {
  const { stdout } = await run('git', [
    '--git-dir',
    github.repository(FULL_NAME).gitDir,
    'log',
    '-1',
    '--format=%B',
    sha,
  ]);
  return stdout;
}

/** Every text the test server holds for the repository: comments, PR titles/bodies, statuses, branch names. */
export function gitHubTexts(github: GitHubServer): string[] {
  const repo = github.repository(FULL_NAME);
  return [
    ...repo.comments.map((comment) => comment.body),
    ...repo.pulls.flatMap((pull) => [pull.title, pull.body, pull.head]),
    ...repo.statuses.map((status) => `${status.description ?? ''} ${status.targetUrl ?? ''}`),
    ...github.requests.map((request) => `${request.url}\n${request.body}`),
  ];
}

/** The real issues.labeled example payload, pointed at the test repository's issue. */
function labelledPayload(number: number, title: string, body: string) {
  const payload = issuesPayload('labeled') as unknown as {
    repository: { full_name: string; name: string; owner: { login: string } };
    issue: { number: number; title: string; body: string; labels: Array<{ name: string }> };
    label: { name: string };
  };
  payload.repository.full_name = FULL_NAME;
  payload.repository.name = REPO;
  payload.repository.owner.login = OWNER;
  payload.issue.number = number;
  payload.issue.title = title;
  payload.issue.body = body;
  payload.issue.labels = [{ ...payload.issue.labels?.[0], name: 'auto-code' }];
  payload.label.name = 'auto-code';
  return payload;
}

async function removeContainers(workerId: string): Promise<void> {
  const docker = new Docker();
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_WORKER}=${workerId}`] },
  });
  for (const info of found)
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => undefined);
}

/** The last log lines of each worker, for failure messages. */
export function workerLogs(...workers: DaemonProcess[]): () => string {
  return () =>
    workers
      .map((worker) =>
        worker.lines
          .slice(-30)
          .map((line) => JSON.stringify(line))
          .join('\n'),
      )
      .join('\n---\n');
}

/** Waits until the issue's progress comment says the pull request is open and the last status is success. */
export function finishedWithPullRequest(
  stack: E2eStack,
  number: number,
  explain: () => string,
): Promise<IssueState> {
  return waitFor(
    `issue #${number} finished with a pull request`,
    async () => {
      const current = await stack.issue(number);
      const finished = progressComments(current).some((comment) =>
        comment.body.includes('pull request opened'),
      );
      return finished && current.statuses.at(-1)?.state === 'success' ? current : undefined;
    },
    60_000,
    explain,
  );
}
