// The harness on a real suite with the model DOUBLES (test/support/oracle-model.ts): the oracle answers
// each task with its known fix, the noisy oracle first makes one small-model mistake and corrects itself
// when told. Runs `codingworker eval` (the real CLI, job pipeline, Docker sandbox and hidden tests) once
// per mode and prints, per solved task, the medians of model calls, prompt, new prompt and completion
// tokens and the time outside the model; for the noisy oracle, the recovery rate and the calls it cost.
// These figures are about the harness, not a model: the doubles answer instantly and always know the fix.
//
//   node scripts/bench-eval.ts [--suite quixbugs-python] [--limit N] [--modes pipeline,shell,noisy] [--seed=1]
//
// Needs Docker and the sandbox image, and `npm run build` (the CLI runs build/). Results in docs/benchmarks.md.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { type Mistake, oracleAnswer, oracleTasksFromSuite } from '../test/support/oracle-model.ts';
import { startScriptedOllama } from '../test/support/scripted-ollama.ts';
import { medianOf } from '../worker/eval/report.ts';
import type { TaskScore } from '../worker/eval/run-task.ts';
import { evalDirectory } from '../worker/eval/suite.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'quixbugs-python' },
    limit: { type: 'string' },
    modes: { type: 'string', default: 'pipeline,shell,noisy' },
    seed: { type: 'string', default: '1' },
  },
});

type Mode = 'pipeline' | 'shell' | 'noisy';

interface ModeResult {
  mode: Mode;
  scores: TaskScore[];
  mistakes: Map<string, Mistake>;
  seconds: number;
}

async function main(): Promise<void> {
  const suiteDir = values.suite.includes('/') ? values.suite : join(evalDirectory(), values.suite);
  const tasks = await oracleTasksFromSuite(suiteDir);
  if (tasks.length === 0)
    throw new Error(`${suiteDir}: no task has a fix/ folder, so an oracle cannot answer it`);
  const results: ModeResult[] = [];
  for (const mode of values.modes.split(',') as Mode[]) {
    const mistakes = new Map<string, Mistake>();
    const noisy = mode === 'noisy' ? { seed: Number(values.seed) } : undefined;
    const ollama = await startScriptedOllama({ answer: oracleAnswer(tasks, { noisy, made: mistakes }) });
    const scratch = mkdtempSync(join(tmpdir(), 'cw-bench-eval-'));
    const started = performance.now();
    try {
      const json = join(scratch, 'scores.json');
      const args = [
        'eval',
        '--suite',
        suiteDir,
        '--strategy',
        mode === 'shell' ? 'shell' : 'pipeline',
        '--json',
        json,
      ];
      if (values.limit) args.push('--limit', values.limit);
      await run(process.execPath, [join(ROOT, 'bin', 'codingworker.js'), ...args], {
        env: { ...process.env, OLLAMA_HOST: ollama.url, CW_WORK_DIR: join(scratch, 'work') },
        maxBuffer: 64 * 1024 * 1024,
      });
      const scores = (JSON.parse(readFileSync(json, 'utf8')) as { tasks: TaskScore[] }).tasks;
      results.push({ mode, scores, mistakes, seconds: (performance.now() - started) / 1000 });
      console.error(`${mode}: ${scores.filter((score) => score.solved).length}/${scores.length} solved`);
    } finally {
      await ollama.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  report(results);
}

function report(results: ModeResult[]): void {
  console.log(`suite ${values.suite}, model doubles (oracle / noisy oracle, seed ${values.seed})\n`);
  console.log(
    'mode\tsolved\tcalls\tprompt\tnew prompt\tcompletion\tagent non-model s\ttask non-model s\tsuite s',
  );
  for (const { mode, scores, seconds } of results) {
    const solved = scores.filter((score) => score.solved);
    const median = (pick: (score: TaskScore) => number) => medianOf(solved.map(pick));
    console.log(
      [
        mode,
        `${solved.length}/${scores.length}`,
        median((score) => score.modelCalls),
        median((score) => score.promptTokens),
        median((score) => score.newPromptTokens),
        median((score) => score.completionTokens),
        (median((score) => score.agentMs - score.modelMs) / 1000).toFixed(2),
        (median((score) => score.nonModelMs) / 1000).toFixed(2),
        seconds.toFixed(0),
      ].join('\t'),
    );
  }
  const clean = results.find((result) => result.mode === 'pipeline');
  const noisy = results.find((result) => result.mode === 'noisy');
  if (noisy) noisyReport(noisy, clean);
}

/** Per mistake: how many tasks got it, how many were still solved, and the calls beyond the oracle's. */
function noisyReport(noisy: ModeResult, clean: ModeResult | undefined): void {
  const calls = new Map(clean?.scores.map((score) => [score.id, score.modelCalls]) ?? []);
  const solved = noisy.scores.filter((score) => score.solved);
  const extra = solved
    .filter((score) => calls.has(score.id))
    .map((score) => score.modelCalls - calls.get(score.id)!);
  console.log(
    `\nnoisy oracle: recovered ${solved.length}/${noisy.scores.length} (${((100 * solved.length) / noisy.scores.length).toFixed(1)} %), median extra calls ${medianOf(extra)}, total extra calls ${extra.reduce((a, b) => a + b, 0)}`,
  );
  console.log('mistake\ttasks\trecovered\textra calls (median)');
  const byMistake = new Map<Mistake, TaskScore[]>();
  for (const score of noisy.scores) {
    const mistake = noisy.mistakes.get(score.id);
    if (mistake) byMistake.set(mistake, [...(byMistake.get(mistake) ?? []), score]);
  }
  for (const [mistake, scores] of [...byMistake].sort()) {
    const ok = scores.filter((score) => score.solved);
    const more = ok
      .filter((score) => calls.has(score.id))
      .map((score) => score.modelCalls - calls.get(score.id)!);
    console.log(`${mistake}\t${scores.length}\t${ok.length}\t${medianOf(more)}`);
  }
  for (const score of noisy.scores.filter((entry) => !entry.solved)) {
    console.log(`not recovered: ${score.id} (${noisy.mistakes.get(score.id) ?? 'no mistake'}): ${score.why}`);
  }
}

await main();
