// Benchmark: the whole `codingworker run` overhead with an instant scripted model (no inference time), on a
// throwaway repository and the REAL Docker sandbox. Prints the total wall time of the CLI process and the
// pipeline's stage times (from its "Task completed" log line), as median / min / max over N runs.
//   node scripts/bench-run.ts [runs=5]
// Needs Docker and the sandbox image (bash scripts/machine.sh setup).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startScriptedOllama } from '../test/support/scripted-ollama.ts';
import { createThrowawayRepo } from '../test/support/throwaway-repo.ts';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 5);
const cli = join(import.meta.dirname, '..', 'worker', 'cli', 'cli.ts');
const repo = createThrowawayRepo({ 'README.md': '# bench\n', 'app.py': 'print("hi")\n' });
const workDir = mkdtempSync(join(repo.scratch, 'work-'));

function message(issue: number): string {
  const at = new Date().toISOString();
  return JSON.stringify({
    schema_version: 1,
    issue_number: issue,
    repository: 'bench/demo',
    title: `Bench ${issue}`,
    body: 'Add a file.',
    body_truncated: false,
    labels: ['auto-code'],
    assignees: [],
    created_at: at,
    updated_at: at,
    html_url: `https://github.com/bench/demo/issues/${issue}`,
    sender: 'bench',
    event: 'manual',
    trigger_label: 'auto-code',
    enqueued_at: at,
  });
}

const samples: Array<Record<string, number>> = [];
try {
  const baseline: number[] = [];
  for (let index = 0; index < 3; index += 1) {
    const started = performance.now();
    await run(process.execPath, [cli, '--help']);
    baseline.push(performance.now() - started);
  }
  for (let issue = 1; issue <= runs; issue += 1) {
    const ollama = await startScriptedOllama({
      script: [
        "Adding it.\n```bash\nprintf 'x = 1\\n' > added.py\n```",
        '- Added added.py\n```bash\necho CODINGWORKER_DONE\n```',
      ],
    });
    const file = join(repo.scratch, `message-${issue}.json`);
    writeFileSync(file, message(issue));
    const started = performance.now();
    const { stderr } = await run(
      process.execPath,
      [cli, 'run', '--message', file, '--repo-path', repo.path],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          OLLAMA_HOST: ollama.url,
          CW_WORK_DIR: workDir,
          CW_LOG_LEVEL: 'debug',
        },
      },
    );
    const total = performance.now() - started;
    await ollama.close();
    const lines = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as { message?: string; timings?: Record<string, number>; cleanup_ms?: number },
      );
    const completed = lines.find((line) => line.message === 'Task completed');
    const removed = lines.find((line) => line.message === 'Workspace removed');
    if (!completed?.timings || removed?.cleanup_ms === undefined) {
      throw new Error(`run ${issue} did not complete:\n${stderr}`);
    }
    samples.push({ total: Math.round(total), ...completed.timings, cleanup: removed.cleanup_ms });
  }
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
  };
  console.log(`codingworker run with an instant scripted model, ${runs} runs (ms)`);
  console.log('stage'.padEnd(22), 'median'.padStart(8), 'min'.padStart(8), 'max'.padStart(8));
  const rows: Array<[string, number[]]> = [
    ['node start (--help)', baseline],
    ...Object.keys(samples[0]!).map((key): [string, number[]] => [
      key,
      samples.map((sample) => sample[key]!),
    ]),
  ];
  for (const [name, values] of rows) {
    const { median, min, max } = stats(values);
    console.log(
      name.padEnd(22),
      String(Math.round(median)).padStart(8),
      String(Math.round(min)).padStart(8),
      String(Math.round(max)).padStart(8),
    );
  }
} finally {
  repo.remove();
  rmSync(workDir, { recursive: true, force: true });
}
