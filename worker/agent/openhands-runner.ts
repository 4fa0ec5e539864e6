// The opt-in OpenHands runner (CW_RUNNER=openhands): the OpenHands CLI in headless mode, in a container on
// the task's workspace, against the same Ollama. It reads its model from the environment:
//   openhands --headless --json --override-with-envs -t "<task>"
//   LLM_MODEL=openai/<model>  LLM_BASE_URL=http://host.docker.internal:11434/v1  LLM_API_KEY=<placeholder>
// Its JSON-lines events are collected as the trajectory; verify() is called after each run and a failed
// verdict goes back as a new run with the feedback, for the same bounded number of rounds as the built-in
// agent. WARNING (docs/openhands.md): OpenHands' Docker route gets the Docker socket, which is root on the
// host. That is why this runner is opt-in and not the default.
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { TimeoutError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import type { CheckResult } from '../daemon/doctor-check.ts';
import { classifyDockerError } from '../sandbox/docker-errors.ts';
import { hardenedHostConfig, writableTmpfs } from '../sandbox/hardening.ts';
import { CappedOutput } from '../sandbox/output-cap.ts';
import { LABEL_TASK, LABEL_WORKER, ownerLabels, SANDBOX_ENV } from '../sandbox/sandbox.ts';
import { lendWorkspace } from '../sandbox/workspace-lending.ts';
import { retryTaskPrompt, taskPrompt } from './prompts.ts';
import type { RunInput, Runner, RunResult, StepRecord } from './runner.ts';
import { endTrajectory, startTrajectory, type Trajectory } from './trajectory.ts';
import { toSafeLine } from './untrusted-text.ts';
import { verifyRounds } from './verify-rounds.ts';

/** The placeholder key: Ollama ignores it, but OpenAI-style clients refuse to start without one. */
const OLLAMA_API_KEY = 'ollama';
/** Characters of the issue body given to OpenHands (it manages its own context). */
const MAX_ISSUE_CHARS = 20_000;
/** Bytes of non-JSON output (stderr, banners) kept for the error message of a failed run. */
const RAW_OUTPUT_LIMIT = 16_384;

export interface OpenHandsRunnerDeps {
  settings: Settings;
  logger: Logger;
  docker?: Docker;
}

export function createOpenHandsRunner(deps: OpenHandsRunnerDeps): Runner {
  const docker = deps.docker ?? new Docker();
  return { run: (input) => runTask({ ...deps, docker }, input) };
}

/** One JSON line of `openhands --json`: {"type": "action", "action": "run", "command": ...} and so on. */
export interface OpenHandsEvent {
  type?: string;
  action?: string;
  command?: string;
  path?: string;
  content?: string;
  message?: string;
  [key: string]: unknown;
}

interface RunOnce {
  exitCode: number;
  events: OpenHandsEvent[];
  /** Non-JSON output, stderr's last line first in importance: stdout and stderr arrive in no fixed order. */
  stderr: string;
  otherStdout: string;
}

async function runTask(deps: Required<OpenHandsRunnerDeps>, input: RunInput): Promise<RunResult> {
  const { settings, logger } = deps;
  const { task, signal } = input;
  const started = Date.now();
  const trajectory = startTrajectory(settings.agent.workDir, task, {
    name: `openhands:${settings.model.name}`,
    contextTokens: settings.model.contextTokens,
  });
  // The whole agent, verification rounds included, stops at CW_AGENT_TIMEOUT or when the task is aborted.
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(settings.agent.maxWallSeconds * 1000)]);
  const steps: StepRecord[] = [];
  let last: RunOnce = { exitCode: -1, events: [], stderr: '', otherStdout: '' };
  let failure: unknown;
  try {
    const { verdict, rounds } = await verifyRounds({
      work: async (retry) => {
        const prompt = retry ? retryTaskPrompt(taskText(input), retry.feedback) : taskText(input);
        last = await runOpenHands(deps, input, prompt, deadline, trajectory);
        steps.push(...actionSteps(last.events, steps.length, input.onProgress));
        return last;
      },
      // A non-zero exit is OpenHands failing or stopping at its own limit: not given another round.
      finished: (run) => run.exitCode === 0,
      verify: input.verify,
      signal: deadline,
      retries: settings.agent.verifyRounds,
      trajectory,
      logger,
      describe: (run) => ({ exitCode: run.exitCode }),
    });
    const finished = last.exitCode === 0;
    return {
      finished,
      reason: finished
        ? 'done'
        : `openhands exited with ${last.exitCode}: ${lastLine(last.stderr) || lastLine(last.otherStdout)}`,
      summary: summaryFrom(last.events, task.issue_number),
      steps,
      verdict,
      verifyRounds: rounds,
      strategy: 'openhands',
      // The CLI's JSON output does not report model calls or token counts.
      modelCalls: 0,
      promptTokens: 0,
      completionTokens: 0,
      newPromptTokens: 0,
      modelMs: 0,
      durationMs: Date.now() - started,
      trajectoryPath: trajectory.path,
    };
  } catch (error) {
    failure =
      !signal.aborted && deadline.aborted
        ? new TimeoutError(`OpenHands exceeded CW_AGENT_TIMEOUT (${settings.agent.maxWallSeconds} s)`, {
            cause: error,
          })
        : error;
    throw failure;
  } finally {
    const end = {
      finished: last.exitCode === 0,
      reason: `exit ${last.exitCode}`,
      startedAt: started,
      failure,
    };
    await endTrajectory(trajectory, end, logger);
  }
}

/** Doctor lines for CW_RUNNER=openhands: the image is there, and a loud warning when the socket is given. */
export async function checkOpenHands(
  settings: Settings,
  docker: Docker = new Docker(),
): Promise<CheckResult[]> {
  const image = settings.agent.openhandsImage;
  const lines: CheckResult[] = [];
  try {
    const info = await docker.getImage(image).inspect();
    lines.push({ name: 'OpenHands image', ok: true, detail: `${image} (${info.Id.slice(7, 19)})` });
  } catch (error) {
    lines.push({
      name: 'OpenHands image',
      ok: false,
      detail: `${image}: ${(error as Error).message}`,
      fix: 'build it FROM codingworker-sandbox:latest with the OpenHands CLI (docs/openhands.md), or unset CW_RUNNER',
    });
  }
  const socket = settings.agent.openhandsDockerSocket;
  lines.push({
    name: 'OpenHands Docker socket',
    ok: socket === 'none',
    severity: 'warning',
    detail:
      socket === 'none'
        ? 'not given to OpenHands'
        : `${socket} is given to OpenHands: that is root on this machine`,
    ...(socket === 'none'
      ? {}
      : { fix: 'set CW_OPENHANDS_DOCKER_SOCKET=none unless OpenHands needs it (docs/openhands.md)' }),
  });
  return lines;
}

/** The task for OpenHands: the repository's instructions and the issue quoted as data, as for the built-in agent. */
export function taskText(input: Pick<RunInput, 'task' | 'instructions'>): string {
  return taskPrompt(input.task, MAX_ISSUE_CHARS, 'openhands', input.instructions);
}

/** The environment of the OpenHands container: the model settings and nothing of the worker's. */
export function openHandsEnvironment(settings: Settings): string[] {
  return [
    ...SANDBOX_ENV,
    `LLM_MODEL=openai/${settings.model.name}`,
    `LLM_BASE_URL=${settings.agent.openhandsLlmBaseUrl ?? containerBaseUrl(settings.model.host)}`,
    `LLM_API_KEY=${OLLAMA_API_KEY}`,
  ];
}

/** OLLAMA_HOST as a container reaches it: loopback becomes host.docker.internal; the /v1 API. */
export function containerBaseUrl(ollamaHost: string): string {
  const url = new URL(/^[a-z]+:\/\//i.test(ollamaHost) ? ollamaHost : `http://${ollamaHost}`);
  if (['127.0.0.1', 'localhost', '0.0.0.0', '[::1]'].includes(url.hostname))
    url.hostname = 'host.docker.internal';
  return `${url.origin}/v1`;
}

async function runOpenHands(
  deps: Required<OpenHandsRunnerDeps>,
  input: RunInput,
  prompt: string,
  signal: AbortSignal,
  trajectory: Trajectory,
): Promise<RunOnce> {
  const { settings, docker, logger } = deps;
  signal.throwIfAborted();
  trajectory.record({ type: 'message', role: 'user', content: prompt });
  const lent = await lendWorkspace(input.workspace);
  const socket = settings.agent.openhandsDockerSocket;
  const binds = [`${input.workspace}:/workspace:rw`];
  const groups: string[] = [];
  if (socket !== 'none') {
    binds.push(`${socket}:/var/run/docker.sock`);
    // The socket is group-owned (docker): the container user needs that group to use it.
    groups.push(String((await stat(socket)).gid));
  }
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer(
      openHandsContainerOptions(settings, { input, prompt, user: lent, binds, groups }),
    );
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    // The attach stream ends once the container's output is flushed: only then is the event list complete.
    const flushed = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    const events: OpenHandsEvent[] = [];
    const stderr = new CappedOutput(RAW_OUTPUT_LIMIT);
    const otherStdout = new CappedOutput(RAW_OUTPUT_LIMIT);
    const stdout = jsonLines((line) => {
      try {
        const event = JSON.parse(line) as OpenHandsEvent;
        events.push(event);
        trajectory.record({ type: 'message', role: 'assistant', content: line });
      } catch {
        otherStdout.write(Buffer.from(`${line}\n`));
      }
    });
    docker.modem.demuxStream(stream, stdout, stderr);
    await container.start();
    const onAbort = () => void container?.kill().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    let exitCode: number;
    try {
      exitCode = (await container.wait()).StatusCode as number;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    (stream as unknown as { destroy(): void }).destroy();
    await new Promise<void>((resolve) => stdout.end(resolve));
    signal.throwIfAborted();
    logger.info({ exitCode, events: events.length }, 'OpenHands finished a run');
    return { exitCode, events, stderr: stderr.text(), otherStdout: otherStdout.text() };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw classifyDockerError(
      error,
      container
        ? undefined
        : { image: settings.agent.openhandsImage, fix: 'build it (docs/openhands.md), or unset CW_RUNNER' },
    );
  } finally {
    await container?.remove({ force: true }).catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode !== 404) {
        logger.warn({ err: error }, 'Could not remove the OpenHands container');
      }
    });
    await lent.giveBack();
  }
}

/** The OpenHands container: the sandbox's hardening, plus the network it needs to reach Ollama. */
export function openHandsContainerOptions(
  settings: Settings,
  run: {
    input: Pick<RunInput, 'task'>;
    prompt: string;
    user: { uid: number; gid: number };
    binds: string[];
    groups: string[];
  },
): Docker.ContainerCreateOptions {
  const { input, prompt, user, binds, groups } = run;
  return {
    name: `codingworker-openhands-${task(input)}-${Math.random().toString(36).slice(2, 8)}`,
    Image: settings.agent.openhandsImage,
    Cmd: ['openhands', '--headless', '--json', '--override-with-envs', '-t', prompt],
    User: `${user.uid}:${user.gid}`,
    WorkingDir: '/workspace',
    Env: openHandsEnvironment(settings),
    Labels: {
      [LABEL_TASK]: `${input.task.repository}#${input.task.issue_number}`,
      [LABEL_WORKER]: settings.workerId || hostname(),
      'codingworker.runner': 'openhands',
      ...ownerLabels(),
    },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      ...hardenedHostConfig(settings.sandbox),
      NetworkMode: settings.agent.openhandsNetwork,
      // Ollama on the host: Docker Desktop knows this name; Linux engines need the host-gateway mapping.
      ExtraHosts: settings.agent.openhandsNetwork === 'none' ? [] : ['host.docker.internal:host-gateway'],
      // exec allowed: the OpenHands binary (PyInstaller) unpacks itself into /tmp and runs from there.
      Tmpfs: writableTmpfs({ ...user, tmpMb: 1024, homeMb: 512, tmpExec: true }),
      Binds: binds,
      GroupAdd: groups,
    },
  };
}

function task(input: Pick<RunInput, 'task'>): string {
  return `${input.task.repository.replace(/[^A-Za-z0-9_.-]+/g, '-')}-${input.task.issue_number}`.slice(0, 40);
}

/** A writable that calls `onLine` for each complete line. */
function jsonLines(onLine: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line.trim());
      // A line without an end is kept only up to a bound.
      if (pending.length > 1_000_000) pending = '';
      callback();
    },
    final(callback) {
      if (pending.trim()) onLine(pending.trim());
      callback();
    },
  });
}

/** The steps of one run's action events, numbered on from `before`; each is reported as progress. */
function actionSteps(
  events: OpenHandsEvent[],
  before: number,
  onProgress: RunInput['onProgress'],
): StepRecord[] {
  const steps: StepRecord[] = [];
  for (const event of events) {
    if (event.type !== 'action') continue;
    const action = String(event.command ?? event.path ?? event.action ?? 'action');
    const step = before + steps.length + 1;
    steps.push({ step, action: toSafeLine(action, 200) });
    onProgress?.({ step, lastAction: toSafeLine(action, 80) });
  }
  return steps;
}

/** The commit-message lines: OpenHands' final message when it gave one, else a fixed line. */
function summaryFrom(events: OpenHandsEvent[], issue: number): string[] {
  for (const event of [...events].reverse()) {
    const text =
      event.action === 'finish' || event.type === 'finish' ? (event.message ?? event.content) : undefined;
    if (typeof text === 'string' && text.trim()) {
      const lines = text
        .split('\n')
        .map((line) => toSafeLine(line.replace(/^[-*]\s*/, '')))
        .filter((line) => line.length > 3);
      if (lines.length > 0) return lines.slice(0, 5);
    }
  }
  return [`Change for issue #${issue} (OpenHands)`];
}

function lastLine(text: string): string {
  return toSafeLine(text.trim().split('\n').at(-1) ?? '', 200);
}
