// Measures the sandbox: container start, teardown, per-command exec overhead, optionally the image build.
//   node scripts/bench-sandbox.ts [--runs 50] [--starts 5] [--build offline|dockerfile]
// Prints a table and, with --json, one JSON object (for the closing notes and CI logs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import pino from 'pino';
import { loadSettings } from '../worker/core/settings.ts';
import { createDockerSandboxProvider } from '../worker/sandbox/docker-sandbox.ts';
import { type BuildMethod, buildSandboxImage } from '../worker/sandbox/image.ts';
import { DEFAULT_SANDBOX_IMAGE } from '../worker/sandbox/sandbox.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    starts: { type: 'string', default: '5' },
    build: { type: 'string' },
    tag: { type: 'string', default: 'codingworker-sandbox-bench:latest' },
    json: { type: 'boolean', default: false },
  },
});

const logger = pino({ level: 'silent' });
const docker = new Docker();
const settings = loadSettings({
  ...process.env,
  CW_SANDBOX_IMAGE: process.env.CW_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE,
}).sandbox;

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    n: sorted.length,
    min: round(sorted[0]!),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    max: round(sorted.at(-1)!),
  };
}

const results: Record<string, unknown> = {};

if (values.build) {
  const started = performance.now();
  await buildSandboxImage({ tag: values.tag, method: values.build as BuildMethod, logger });
  results.imageBuildSeconds = Math.round((performance.now() - started) / 100) / 10;
  results.imageBuildMethod = values.build;
  await docker.getImage(values.tag).remove({ force: true });
}

const provider = createDockerSandboxProvider(settings, logger, docker, `bench-${process.pid}`);
const workspace = await mkdtemp(join(tmpdir(), 'cw-bench-'));
try {
  const starts: number[] = [];
  const ready: number[] = [];
  const teardowns: number[] = [];
  for (let i = 0; i < Number(values.starts); i++) {
    let t = performance.now();
    const sandbox = await provider.start({ taskId: `bench-${i}`, workspace });
    starts.push(performance.now() - t);
    // Ready means a command answers: the first exec is part of what a task waits for.
    await sandbox.exec('true');
    ready.push(performance.now() - t);
    t = performance.now();
    await sandbox.destroy();
    teardowns.push(performance.now() - t);
  }
  results.start = summary(starts);
  results.startUntilFirstExec = summary(ready);
  results.teardown = summary(teardowns);

  const sandbox = await provider.start({ taskId: 'bench-exec', workspace });
  try {
    await sandbox.exec('true');
    const execs: number[] = [];
    for (let i = 0; i < Number(values.runs); i++) execs.push((await sandbox.exec('true')).durationMs);
    results.execTrue = summary(execs);
  } finally {
    await sandbox.destroy();
  }
} finally {
  await rm(workspace, { recursive: true, force: true });
}

if (values.json) {
  console.log(JSON.stringify(results));
} else {
  for (const [name, value] of Object.entries(results))
    console.log(`${name.padEnd(18)} ${JSON.stringify(value)}`);
  console.log('(milliseconds unless named otherwise)');
}
