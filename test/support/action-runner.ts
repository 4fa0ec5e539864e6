// Runs the bundled action exactly as the GitHub runner does: `node dist/index.js` in a directory that holds
// only what the release holds (dist/, action.yml, package.json; no node_modules), inputs as INPUT_<NAME>
// with action.yml's defaults filled in, the event payload in a file, and outputs written to GITHUB_OUTPUT.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;
/** How action.yml writes github-token's default; the runner evaluates it to the job's token. */
const GITHUB_TOKEN_EXPRESSION = ['$', '{{ github.token }}'].join('');

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** Values the action asked the runner to mask (::add-mask::). */
  masked: string[];
  /** The ::error:: / ::warning:: annotations' texts. */
  errors: string[];
  warnings: string[];
  /** Milliseconds from spawning node to the "queued ..." log line (the message was sent), if any. */
  messageSentMs: number | undefined;
  /** Milliseconds from spawning node to its exit. */
  totalMs: number;
}

export interface RunOptions {
  inputs: Record<string, string>;
  eventName: string;
  payload: unknown;
  /** Extra environment (AWS_*, ACTIONS_ID_TOKEN_*, GITHUB_API_URL, ...). */
  env?: Record<string, string>;
  /** The value of ${{ github.token }} for github-token's default. */
  githubToken?: string;
}

export interface ActionHome {
  dir: string;
  run(options: RunOptions): Promise<ActionRun>;
  remove(): Promise<void>;
}

/** Copies the release files of the action to a temp directory, away from the repository's node_modules. */
export async function prepareActionHome(): Promise<ActionHome> {
  const dir = await mkdtemp(join(tmpdir(), 'cw-action-'));
  await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  await cp(join(ROOT, 'action.yml'), join(dir, 'action.yml'));
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const metadata = parse(await readFile(join(dir, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { using: string; main: string };
  };
  let runs = 0;
  return {
    dir,
    async run(options) {
      runs += 1;
      const work = join(dir, `run-${runs}`);
      await mkdir(work, { recursive: true });
      await cp(join(dir, 'action.yml'), join(work, 'action.yml'));
      const eventPath = join(work, 'event.json');
      const outputPath = join(work, 'output');
      await writeFile(eventPath, JSON.stringify(options.payload));
      await writeFile(outputPath, '');
      const inputs: Record<string, string> = {};
      for (const [name, spec] of Object.entries(metadata.inputs)) {
        const fallback = String(spec.default ?? '').replace(
          GITHUB_TOKEN_EXPRESSION,
          options.githubToken ?? '',
        );
        inputs[inputEnvName(name)] = options.inputs[name] ?? fallback;
      }
      for (const [name, value] of Object.entries(options.inputs)) inputs[inputEnvName(name)] = value;
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: work,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: options.eventName,
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_OUTPUT: outputPath,
        GITHUB_REPOSITORY: repositoryOf(options.payload),
        GITHUB_RUN_ID: '4242',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_WORKSPACE: work,
        RUNNER_TEMP: work,
        ...inputs,
        ...options.env,
      };
      return spawnAction(join(dir, metadata.runs.main), work, env, outputPath);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** INPUT_ + the name upper-cased with spaces as underscores; dashes stay (INPUT_QUEUE-URL). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function repositoryOf(payload: unknown): string {
  return (payload as { repository?: { full_name?: string } }).repository?.full_name ?? '';
}

async function spawnAction(
  main: string,
  cwd: string,
  env: Record<string, string>,
  outputPath: string,
): Promise<ActionRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [main], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let messageSentMs: number | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (messageSentMs === undefined && /^queued issue #/m.test(stdout))
      messageSentMs = performance.now() - started;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const totalMs = performance.now() - started;
  const lines = stdout.split('\n');
  const command = (name: string) =>
    lines.filter((line) => line.startsWith(`::${name}`)).map((line) => line.slice(line.indexOf('::', 2) + 2));
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputPath, 'utf8')),
    masked: command('add-mask'),
    errors: command('error'),
    warnings: command('warning'),
    messageSentMs,
    totalMs,
  };
}

/** Reads the runner's GITHUB_OUTPUT file: `name<<DELIMITER\nvalue\nDELIMITER` blocks or `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (index += 1; index < lines.length && lines[index] !== delimiter; index++) value.push(lines[index]!);
      outputs[name!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}
