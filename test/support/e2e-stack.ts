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
import Docker from 'dockerode';
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import { LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';
import { type ActionRun, prepareActionHome } from './action-runner.ts';
import { launcherRoot } from './cli-launcher.ts';
import { type DaemonProcess, spawnDaemon } from './daemon-process.ts';
import { type HoldingProxy, startHoldingProxy } from './e2e-holding-proxy.ts';
import {
  duplicateQueued,
  enqueueDirect,
  FULL_NAME,
  type IssueState,
  issueState,
  LABELLER,
  labelledPayload,
  OWNER,
  queueDepth,
  REPO,
} from './e2e-queue.ts';
import { freePort } from './free-port.ts';
import { canaryToken } from './github-forge-fixture.ts';
import { type CommentState, type GitHubServer, startGitHubServer } from './github-server.ts';
import { startOidcTokenServer } from './oidc-token-server.ts';
import {
  type ChatRequest,
  type ScriptedOllama,
  type ScriptedReply,
  startScriptedOllama,
} from './scripted-ollama.ts';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator.ts';
import { startStsServer } from './sts-server.ts';

export { FULL_NAME, type IssueState, LABELLER, OWNER, REPO };

const run = promisify(execFile);

export const MODEL = 'qwen2.5-coder:1.5b';
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
  /** Runs the bundled action on any event (a review, a comment, a workflow run), enqueueing or not. */
  act(eventName: string, payload: object, inputs?: Record<string, string>): Promise<ActionRun>;
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

  const { github, sqs, ollama, oidc, actionHome, sts, githubProxy, workerToken } = await startParts(options);

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
    label: (issue = {}) => labelIssue({ github, sqs, sts, oidc, actionHome }, issue),
    act: (eventName, payload, inputs = {}) =>
      runAction({ github, sqs, sts, oidc, actionHome }, { eventName, payload, inputs }),
    enqueueDirect: (count) => enqueueDirect(github, sqs, count),
    workerEnv: (env = {}) => ({
      ...workerDefaults({ sqs, home, githubProxy, workerToken, ollamaUrl, workDir, workerId }),
      ...env,
    }),
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
    issue: (number) => issueState(github, number),
    duplicateQueued: () => duplicateQueued(sqs),
    cli(args, env = {}) {
      return run(process.execPath, [join(launcher, 'bin', 'codingworker.js'), ...args], {
        env: { PATH: process.env.PATH ?? '', ...stack.workerEnv(env) },
        timeout: 30_000,
      });
    },
    queueDepth: () => queueDepth(sqs),
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

/** The stack's servers, GitHub holding the demo repository and the tokens the action and the worker use. */
async function startParts(options: { visibilityTimeout?: number }) {
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
  return { github, sqs, ollama, oidc, actionHome, sts, githubProxy, workerToken };
}

type Parts = Awaited<ReturnType<typeof startParts>>;

/** Adds an issue labelled auto-code and runs the bundled action on the real issues.labeled payload. */
async function labelIssue(
  { github, sqs, sts, oidc, actionHome }: Pick<Parts, 'github' | 'sqs' | 'sts' | 'oidc' | 'actionHome'>,
  issue: { title?: string; body?: string },
): Promise<{ number: number; action: ActionRun }> {
  const created = github.addIssue(FULL_NAME, {
    title: issue.title ?? 'Add a greeting',
    body: issue.body ?? 'Please add hello() to hello.py.',
    labels: ['auto-code'],
    user: LABELLER,
  });
  const payload = labelledPayload(created.number, created.title, created.body);
  const action = await runAction({ github, sqs, sts, oidc, actionHome }, { eventName: 'issues', payload });
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
}

/** The bundled action on one event, with this stack's queue, OIDC and STS stand-ins and GitHub. */
function runAction(
  { github, sqs, sts, oidc, actionHome }: Pick<Parts, 'github' | 'sqs' | 'sts' | 'oidc' | 'actionHome'>,
  event: { eventName: string; payload: object; inputs?: Record<string, string> },
): Promise<ActionRun> {
  return actionHome.run({
    eventName: event.eventName,
    payload: event.payload,
    inputs: {
      'queue-url': `https://sqs.us-east-1.amazonaws.com/000000000000/${sqs.queueName}`,
      'role-to-assume': ROLE,
      ...event.inputs,
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
}

/** The environment every worker of the stack runs with: this stack's parts, and short intervals for tests. */
function workerDefaults(
  parts: Pick<Parts, 'sqs' | 'githubProxy' | 'workerToken'> &
    Record<'home' | 'ollamaUrl' | 'workDir' | 'workerId', string>,
): Record<string, string> {
  const { sqs, home, githubProxy, workerToken, ollamaUrl, workDir, workerId } = parts;
  return {
    ...sqs.env,
    HOME: home,
    CW_QUEUE_URL: sqs.queueUrl,
    GITHUB_API_URL: githubProxy.url,
    GITHUB_TOKEN: workerToken,
    OLLAMA_HOST: ollamaUrl,
    // The scripted sessions here are shell-loop sessions (one command a reply).
    CW_AGENT_STRATEGY: 'shell',
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
  };
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

/** Waits until nothing is left on the task queue or its DLQ, visible or in flight. */
export function queueDrained(stack: E2eStack, explain: () => string, timeoutMs = 30_000): Promise<true> {
  return waitFor(
    'an empty queue and DLQ',
    async () => {
      const depth = await stack.queueDepth();
      return depth.queue === 0 && depth.dlq === 0;
    },
    timeoutMs,
    explain,
  );
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
/** For afterEach: stops the stack's workers, closes it, and fails the test on any GitHub API violation. */
export async function closeChecked(stack: E2eStack): Promise<void> {
  await stack.killWorkers();
  const violations = [...stack.github.violations];
  await stack.close();
  if (violations.length > 0) {
    throw new Error(`requests GitHub would refuse:\n${violations.map((v) => JSON.stringify(v)).join('\n')}`);
  }
}

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
