// Compressed soak (docs/requirements.md#reliability: hours without leaks): hundreds of tasks through the whole system — fauxqs,
// `codingworker start` as a subprocess, the real Docker sandbox, an instant scripted model, the GitHub test
// server — while the daemon's RSS, open file descriptors (/proc/<pid>/fd), sandbox containers and workspace
// directories are sampled. Prints the curve; exits 1 when something grows without bound.
// Run: node scripts/soak.ts [tasks=300] [sample-every-ms=2000]
import { readdirSync, readFileSync } from 'node:fs';
import { type E2eStack, progressComments, startE2eStack, waitFor } from '../test/support/e2e-stack.ts';

export interface SoakSample {
  seconds: number;
  tasksDone: number;
  rssMiB: number;
  fds: number;
  containers: number;
  workspaces: number;
}

export interface SoakResult {
  tasks: number;
  seconds: number;
  samples: SoakSample[];
  /** Why the run counts as leaking; empty when nothing grows without bound. */
  problems: string[];
  peakRssMiB: number;
}

export function processRssMiB(pid: number): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

/** Peak RSS of the process so far (VmHWM). */
export function processPeakRssMiB(pid: number): number {
  return statusKiB(pid, 'VmHWM') / 1024;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function statusKiB(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/**
 * Growth is judged after a warm-up (the first quarter of the tasks: JIT, pools, caches). RSS and file
 * descriptors may rise and fall; what fails is a trend: the median of the last quarter of samples well
 * above the median of the second quarter. Containers and workspaces must be back to zero at the end.
 */
export function judge(samples: SoakSample[], tasks: number): string[] {
  const problems: string[] = [];
  const warm = samples.filter((sample) => sample.tasksDone >= tasks / 4);
  if (warm.length < 4) return [`too few samples after the warm-up (${warm.length}) to judge growth`];
  const quarter = Math.max(1, Math.floor(warm.length / 4));
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const early = warm.slice(0, quarter * 2);
  const late = warm.slice(-quarter);
  const rssEarly = median(early.map((sample) => sample.rssMiB));
  const rssLate = median(late.map((sample) => sample.rssMiB));
  if (rssLate > rssEarly * 1.25 && rssLate - rssEarly > 25) {
    problems.push(
      `RSS grows: median ${rssEarly.toFixed(0)} MiB after warm-up, ${rssLate.toFixed(0)} MiB at the end`,
    );
  }
  const fdEarly = median(early.map((sample) => sample.fds));
  const fdLate = median(late.map((sample) => sample.fds));
  if (fdLate > fdEarly + 10)
    problems.push(`open file descriptors grow: ${fdEarly} after warm-up, ${fdLate} at the end`);
  const last = samples.at(-1)!;
  if (last.containers !== 0) problems.push(`${last.containers} sandbox containers left after the last task`);
  if (last.workspaces !== 0)
    problems.push(`${last.workspaces} workspace directories left after the last task`);
  const maxContainers = Math.max(...samples.map((sample) => sample.containers));
  if (maxContainers > 2) problems.push(`${maxContainers} sandbox containers at once with concurrency 1`);
  return problems;
}

export async function runSoak(
  options: { tasks: number; sampleEveryMs?: number; log?: (line: string) => void } = { tasks: 300 },
): Promise<SoakResult> {
  const log = options.log ?? (() => undefined);
  const stack: E2eStack = await startE2eStack();
  try {
    const worker = stack.startWorker({
      CW_LOG_LEVEL: 'info',
      CW_VISIBILITY_TIMEOUT: '30',
      CW_HEARTBEAT_INTERVAL: '10',
    });
    await worker.waitForLine((line) => line.message === 'polling the task queue', 30_000);
    const pid = worker.child.pid!;
    const numbers = await stack.enqueueDirect(options.tasks);
    const started = Date.now();
    const samples: SoakSample[] = [];
    const tasksDone = () => worker.lines.filter((line) => line.message === 'task finished').length;
    const sample = async () => {
      const next: SoakSample = {
        seconds: Math.round((Date.now() - started) / 100) / 10,
        tasksDone: tasksDone(),
        rssMiB: Math.round(processRssMiB(pid) * 10) / 10,
        fds: openFds(pid),
        containers: await stack.containers(),
        workspaces: stack.workspaces().length,
      };
      samples.push(next);
      log(
        `${String(next.seconds).padStart(7)} s  tasks ${String(next.tasksDone).padStart(4)}  rss ${next.rssMiB.toFixed(1).padStart(6)} MiB  fds ${String(next.fds).padStart(3)}  containers ${next.containers}  workspaces ${next.workspaces}`,
      );
    };
    await sample();
    const timer = setInterval(() => void sample(), options.sampleEveryMs ?? 2_000);
    try {
      await waitFor(
        `${options.tasks} tasks finished`,
        () => tasksDone() >= options.tasks,
        options.tasks * 20_000,
        () =>
          worker.lines
            .slice(-20)
            .map((line) => JSON.stringify(line))
            .join('\n'),
      );
      // The last task's container and workspace are removed just after its outcome is logged.
      await waitFor(
        'the last cleanup',
        async () => (await stack.containers()) === 0 && stack.workspaces().length === 0,
        30_000,
      ).catch(() => undefined);
    } finally {
      clearInterval(timer);
    }
    await sample();
    const failed = worker.lines.filter(
      (line) => line.message === 'task finished' && line.outcome !== 'completed',
    );
    const problems = judge(samples, options.tasks);
    if (failed.length > 0)
      problems.push(`${failed.length} tasks did not complete: ${JSON.stringify(failed[0])}`);
    const repo = stack.github.repository('octo/demo');
    for (const number of numbers) {
      const pulls = repo.pulls.filter((pull) => pull.head === `auto-code/issue-${number}`).length;
      if (pulls !== 1) problems.push(`issue #${number} has ${pulls} pull requests`);
      const state = await stack.issue(number);
      if (progressComments(state).length !== 1)
        problems.push(`issue #${number} has ${state.comments.length} comments`);
    }
    if (stack.github.violations.length > 0)
      problems.push(`GitHub API violations: ${stack.github.violations[0]}`);
    const peakRssMiB = processPeakRssMiB(pid);
    return { tasks: options.tasks, seconds: (Date.now() - started) / 1000, samples, problems, peakRssMiB };
  } finally {
    await stack.close();
  }
}

if (import.meta.main) {
  const tasks = Number(process.argv[2] ?? 300);
  const every = Number(process.argv[3] ?? 2_000);
  const result = await runSoak({ tasks, sampleEveryMs: every, log: (line) => console.log(line) });
  console.log(
    `\n${result.tasks} tasks in ${result.seconds.toFixed(0)} s (${((result.tasks / result.seconds) * 3600).toFixed(0)} tasks/hour), daemon peak RSS ${result.peakRssMiB.toFixed(1)} MiB`,
  );
  if (result.problems.length > 0) {
    console.log(`LEAK OR LOSS:\n- ${result.problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(
    'no growth without bound: RSS and file descriptors flat after warm-up, no containers or workspaces left',
  );
}
