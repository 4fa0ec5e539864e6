// A suite's own proof, in the real sandbox: every task's hidden test FAILS on the snapshot as the agent
// gets it, and PASSES with the task's fix/ applied (where it has one). One line per task, then a summary.
//
//   node scripts/check-eval-suite.ts eval/quixbugs-python [--limit N] [--jobs 2]
//
// Exit 0 when every task behaves, 1 otherwise. Needs Docker and the sandbox image (run under
// flock /tmp/docker.lock on shared machines).
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import pino from 'pino';
import { loadSettings } from '../worker/core/settings.ts';
import { createSandboxProvider } from '../worker/daemon/compose.ts';
import { firstUsefulLine, hiddenTest } from '../worker/eval/run-task.ts';
import { type EvalTask, loadSuite } from '../worker/eval/suite.ts';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const suiteArg = args.find((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
if (!suiteArg) {
  console.error('usage: node scripts/check-eval-suite.ts <suite name or folder> [--limit N] [--jobs N]');
  process.exit(1);
}
const suite = await loadSuite(suiteArg);
const tasks = suite.tasks.slice(0, Number(option('--limit') ?? suite.tasks.length));
const logger = pino({ level: 'warn' }, pino.destination(2));
const sandboxProvider = createSandboxProvider(loadSettings(), logger);
const queue = new PQueue({ concurrency: Number(option('--jobs') ?? 2) });

interface Outcome {
  ok: boolean;
  line: string;
}

/** The hidden test on the snapshot with `overlays` copied over it, in order. */
async function hiddenRun(task: EvalTask, label: string, overlays: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'cw-eval-check-'));
  try {
    await cp(task.repoDir, dir, { recursive: true });
    for (const overlay of overlays) await cp(overlay, dir, { recursive: true, force: true });
    const started = performance.now();
    const run = await hiddenTest(
      sandboxProvider,
      task,
      dir,
      `check-${task.id}-${label}`,
      AbortSignal.timeout(600_000),
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const what = run.timedOut ? 'timed out' : run.exitCode === 0 ? 'pass' : `fail: ${firstUsefulLine(run)}`;
    return { passed: run.exitCode === 0 && !run.timedOut, text: `${label} ${what} (${seconds} s)` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function check(task: EvalTask): Promise<Outcome> {
  const hidden = task.hiddenDir ? [task.hiddenDir] : [];
  const buggy = await hiddenRun(task, 'buggy', hidden);
  const parts = [buggy.text.slice(0, 160)];
  let ok = !buggy.passed;
  if (task.fixDir) {
    const fixed = await hiddenRun(task, 'fixed', [task.fixDir, ...hidden]);
    parts.unshift(fixed.text.slice(0, 160));
    ok &&= fixed.passed;
  }
  return { ok, line: `${ok ? 'ok  ' : 'BAD '} ${task.id}: ${parts.join('; ')}` };
}

const started = performance.now();
const outcomes = await Promise.all(
  tasks.map((task) =>
    queue.add(async () => {
      const outcome = await check(task);
      console.log(outcome.line);
      return outcome;
    }),
  ),
);
const good = outcomes.filter((outcome) => outcome?.ok).length;
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
console.log(
  `${suite.name}: ${good}/${tasks.length} tasks behave (hidden test fails on the snapshot${
    tasks.some((task) => task.fixDir) ? ', passes with fix/' : ''
  }) in ${minutes} min`,
);
process.exitCode = good === tasks.length ? 0 : 1;
