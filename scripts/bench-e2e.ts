// Benchmark of the whole pipeline with an instant scripted model, so every figure is the system's own cost:
// the bundled action (label -> message on the queue), receive latency, each pipeline stage, sandbox start,
// agent overhead per step excluding model time, verification, push, pull request, reports; end to end
// p50/p95; the daemon's memory idle and peak; tasks per hour the pipeline sustains; prompt size per step and
// tokens per task. Not a test: run it and copy the figures into docs/benchmarks.md.
// Run: node scripts/bench-e2e.ts [sequential-tasks=20] [throughput-tasks=30]
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startE2eStack, waitFor } from '../test/support/e2e-stack.ts';
import { processPeakRssMiB, processRssMiB } from './soak.ts';

const sequential = Number(process.argv[2] ?? 20);
const throughputTasks = Number(process.argv[3] ?? 30);

type Row = Record<string, number>;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};
const at = (line: Record<string, unknown>) => Date.parse(String(line.timestamp));

interface TrajectoryLine {
  at: string;
  type: string;
  step?: number;
  durationMs?: number;
  promptTokens?: number;
  completionTokens?: number;
}

/** Sandbox start, model and command time, verification, from the agent's own trajectory. */
function fromTrajectory(file: string): Row {
  const events = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TrajectoryLine);
  const time = (event: TrajectoryLine) => Date.parse(event.at);
  const models = events.filter((event) => event.type === 'model');
  const commands = events.filter((event) => event.type === 'command');
  const verify = events.find((event) => event.type === 'verify');
  const lastMessage = events.filter((event) => event.type === 'message' && event.step === undefined)[1];
  const firstModel = models[0]!;
  return {
    steps: models.length,
    sandboxStart: time(firstModel) - firstModel.durationMs! - time(lastMessage ?? events[0]!),
    modelMs: models.reduce((sum, event) => sum + event.durationMs!, 0),
    commandMs: commands.reduce((sum, event) => sum + event.durationMs!, 0),
    verify: verify ? time(verify) - time(commands.at(-1)!) : 0,
    promptTokens: models.reduce((sum, event) => sum + (event.promptTokens ?? 0), 0),
    completionTokens: models.reduce((sum, event) => sum + (event.completionTokens ?? 0), 0),
  };
}

const stack = await startE2eStack();
try {
  const worker = stack.startWorker({
    CW_LOG_LEVEL: 'debug',
    CW_VISIBILITY_TIMEOUT: '30',
    CW_HEARTBEAT_INTERVAL: '10',
  });
  await worker.waitForLine((line) => line.message === 'polling the task queue', 30_000);
  const pid = worker.child.pid!;
  // Idle: a few long polls after start-up, nothing to do.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idleRss = processRssMiB(pid);

  const rows: Row[] = [];
  const chatsPerTask: number[][] = [];
  for (let index = 0; index < sequential; index++) {
    const chatsBefore = stack.ollama.chats.length;
    const finishedBefore = worker.lines.filter((line) => line.message === 'task finished').length;
    const labelled = Date.now();
    const { number, action } = await stack.label({ title: `Add a greeting ${index}` });
    const finished = await waitFor(
      `task ${number} finished`,
      () => worker.lines.filter((line) => line.message === 'task finished')[finishedBefore],
      120_000,
    );
    const started = worker.lines.find(
      (line) => line.message === 'task started' && line.issue_number === number,
    )!;
    const completed = worker.lines.find(
      (line) => line.message === 'Task completed' && line.issue_number === number,
    );
    if (!completed) throw new Error(`task ${number} did not complete: ${JSON.stringify(finished)}`);
    const timings = completed.timings as Row;
    const trajectory = readdirSync(join(stack.workDir, 'trajectories')).find((file) =>
      file.startsWith(`octo-demo-${number}-`),
    )!;
    const agent = fromTrajectory(join(stack.workDir, 'trajectories', trajectory));
    const stages = ['prepare', 'clone', 'agent', 'check', 'commit', 'publish'].reduce(
      (sum, stage) => sum + (timings[stage] ?? 0),
      0,
    );
    const job = at(completed) - at(started);
    rows.push({
      actionToMessage: action.messageSentMs ?? Number.NaN,
      actionTotal: action.totalMs,
      receive: at(started) - (labelled + (action.messageSentMs ?? 0)),
      prepare: timings.prepare!,
      clone: timings.clone!,
      sandboxStart: agent.sandboxStart!,
      agentOverheadPerStep:
        (timings.agent! - agent.modelMs! - agent.sandboxStart! - agent.verify!) / agent.steps!,
      commandPerStep: agent.commandMs! / agent.steps!,
      modelPerStep: agent.modelMs! / agent.steps!,
      verify: agent.verify!,
      checkAndCommit: timings.check! + timings.commit!,
      publish: timings.publish!,
      reports: job - stages,
      job,
      endToEnd: at(finished) - labelled,
      promptTokens: agent.promptTokens!,
      completionTokens: agent.completionTokens!,
      steps: agent.steps!,
    });
    chatsPerTask.push(
      stack.ollama.chats
        .slice(chatsBefore)
        .map((chat) => chat.messages.reduce((sum, message) => sum + message.content.length, 0)),
    );
    console.error(`task ${index + 1}/${sequential}: ${rows.at(-1)!.endToEnd} ms end to end`);
  }

  // The push alone, as the forge does it (git over smart HTTP to the test server's http-backend).
  const pushes: number[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'cw-bench-push-'));
  try {
    const gitEnv = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `http.${stack.github.url}/.extraheader`,
      GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${stack.workerToken}`).toString('base64')}`,
    };
    // Asynchronous: the GitHub test server answering the push runs in this process.
    const git = (args: string[]) => promisify(execFile)('git', args, { cwd: scratch, env: gitEnv });
    await git(['clone', '--quiet', `${stack.github.url}/git/octo/demo.git`, 'repo']);
    for (let index = 0; index < 10; index++) {
      writeFileSync(join(scratch, 'repo', 'bench.txt'), `${index}\n`);
      await git(['-C', 'repo', 'add', 'bench.txt']);
      await git([
        '-C',
        'repo',
        '-c',
        'user.name=b',
        '-c',
        'user.email=b@example.com',
        'commit',
        '--quiet',
        '-m',
        `bench ${index}`,
      ]);
      const started = performance.now();
      await git(['-C', 'repo', 'push', '--quiet', '--force', 'origin', `HEAD:refs/heads/bench-${index}`]);
      pushes.push(performance.now() - started);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  console.error(`push alone: ${pushes.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  // Throughput: a full queue, the daemon working back to back.
  const finishedBefore = worker.lines.filter((line) => line.message === 'task finished').length;
  await stack.enqueueDirect(throughputTasks);
  const first = await waitFor(
    'the first throughput task started',
    () => worker.lines.filter((line) => line.message === 'task started')[finishedBefore],
    60_000,
  );
  const last = await waitFor(
    `${throughputTasks} throughput tasks finished`,
    () =>
      worker.lines.filter((line) => line.message === 'task finished')[finishedBefore + throughputTasks - 1],
    throughputTasks * 30_000,
  );
  console.error(`throughput phase: ${throughputTasks} tasks done`);
  const throughputSeconds = (at(last) - at(first)) / 1000;
  const peakRss = processPeakRssMiB(pid);

  const columns = Object.keys(rows[0]!);
  console.log(`\n## ${sequential} sequential tasks (ms unless stated)\n`);
  console.log('| measure | p50 | p95 | max |\n|---|---:|---:|---:|');
  for (const column of columns) {
    const values = rows.map((row) => row[column]!);
    console.log(
      `| ${column} | ${quantile(values, 0.5).toFixed(0)} | ${quantile(values, 0.95).toFixed(0)} | ${Math.max(...values).toFixed(0)} |`,
    );
  }
  const pushValues = pushes.slice(1);
  console.log(
    `| push alone (git over HTTP, 9 runs) | ${quantile(pushValues, 0.5).toFixed(0)} | ${quantile(pushValues, 0.95).toFixed(0)} | ${Math.max(...pushValues).toFixed(0)} |`,
  );
  const promptChars = chatsPerTask.flat();
  console.log(
    `\nprompt size per step: ${chatsPerTask[0]!.join(', ')} characters (steps of one task); p50 ${quantile(promptChars, 0.5)} max ${Math.max(...promptChars)}`,
  );
  console.log(
    `tokens per task (scripted server: characters / 4): prompt ${quantile(
      rows.map((row) => row.promptTokens!),
      0.5,
    )}, completion ${quantile(
      rows.map((row) => row.completionTokens!),
      0.5,
    )}`,
  );
  console.log(`daemon RSS idle ${idleRss.toFixed(1)} MiB, peak ${peakRss.toFixed(1)} MiB`);
  console.log(
    `throughput: ${throughputTasks} queued tasks in ${throughputSeconds.toFixed(1)} s = ${((throughputTasks / throughputSeconds) * 3600).toFixed(0)} tasks/hour (concurrency 1)`,
  );
} finally {
  await stack.close();
}
