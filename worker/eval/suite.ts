// An eval suite on disk (docs/eval.md#the-folder-format): suite.json, a shared repo/ snapshot, and one
// folder per task with issue.md, task.json, hidden/ (the hidden tests) and optionally repo/ and fix/.
// Loaded once and checked whole: every problem names the file and what to change.
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';

export interface EvalTask {
  id: string;
  title: string;
  body: string;
  /** The hidden test command, run from the repository root. */
  test: string;
  timeoutSeconds: number;
  /** The snapshot the agent starts from: the task's own repo/, else the suite's. */
  repoDir: string;
  /** Copied over the result just before the hidden test; never shown to the agent. */
  hiddenDir?: string;
  /** The known fix, for test doubles only; the runner never reads it. */
  fixDir?: string;
}

export interface Suite {
  name: string;
  description: string;
  dir: string;
  tasks: EvalTask[];
}

const suiteSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  licence: z.string().min(1),
  source: z.string().min(1),
});

const taskSchema = z.object({
  test: z.string().trim().min(1),
  timeoutSeconds: z.number().int().positive().max(3600).default(120),
});

const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A suite by name (eval/<name> in this checkout) or by directory (anything with a / or an existing dir). */
export async function loadSuite(nameOrDir: string): Promise<Suite> {
  const dir = await suiteDirectory(nameOrDir);
  const header = await readJson(join(dir, 'suite.json'), suiteSchema);
  const licence = resolve(dir, header.licence);
  if (!inside(dir, licence) || !existsSync(licence)) {
    throw new PermanentError(
      `${join(dir, 'suite.json')}: licence "${header.licence}" is not a file in the suite folder: add the upstream licence text there`,
    );
  }
  const tasksDir = join(dir, 'tasks');
  const ids = (await readdir(tasksDir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (ids.length === 0) {
    throw new PermanentError(`${tasksDir}: no task folders: add tasks/<id>/ with issue.md and task.json`);
  }
  const sharedRepo = (await isDirectory(join(dir, 'repo'))) ? join(dir, 'repo') : undefined;
  const tasks: EvalTask[] = [];
  for (const id of ids) tasks.push(await loadTask(join(tasksDir, id), id, sharedRepo));
  return { name: header.name, description: header.description, dir, tasks };
}

async function loadTask(dir: string, id: string, sharedRepo: string | undefined): Promise<EvalTask> {
  if (!TASK_ID.test(id)) {
    throw new PermanentError(`${dir}: the task folder name must be letters, digits, ".", "_" or "-"`);
  }
  const { test, timeoutSeconds } = await readJson(join(dir, 'task.json'), taskSchema);
  const { title, body } = await readIssue(join(dir, 'issue.md'));
  const ownRepo = (await isDirectory(join(dir, 'repo'))) ? join(dir, 'repo') : undefined;
  const repoDir = ownRepo ?? sharedRepo;
  if (!repoDir) {
    throw new PermanentError(
      `${dir}: no repository snapshot: add repo/ to the task or to the suite folder (${dirname(dirname(dir))})`,
    );
  }
  const task: EvalTask = { id, title, body, test, timeoutSeconds, repoDir };
  if (await isDirectory(join(dir, 'hidden'))) task.hiddenDir = join(dir, 'hidden');
  if (await isDirectory(join(dir, 'fix'))) task.fixDir = join(dir, 'fix');
  return task;
}

/** issue.md: the first line "# <title>", the rest the body. */
async function readIssue(file: string): Promise<{ title: string; body: string }> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new PermanentError(`${file} is missing: write the issue there, "# <title>" then the body`);
  });
  const [first = '', ...rest] = text.split('\n');
  const title = /^#\s+(.+)$/.exec(first.trim())?.[1]?.trim();
  if (!title) {
    throw new PermanentError(`${file}: the first line must be the title as "# <title>"`);
  }
  return { title, body: rest.join('\n').trim() };
}

async function readJson<T extends z.ZodType>(file: string, schema: T): Promise<z.output<T>> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new PermanentError(`${file} is missing: ${schemaHint(schema)}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PermanentError(`${file} is not JSON (${(error as Error).message}): ${schemaHint(schema)}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
      .join('; ');
    throw new PermanentError(`${file}: ${problems}: ${schemaHint(schema)}`);
  }
  return parsed.data;
}

function schemaHint(schema: z.ZodType): string {
  return schema === suiteSchema
    ? 'write {"name": "...", "description": "...", "licence": "LICENSE", "source": "upstream and version"}'
    : 'write {"test": "<hidden test command>", "timeoutSeconds": 120}';
}

async function suiteDirectory(nameOrDir: string): Promise<string> {
  const asDir = resolve(nameOrDir);
  const looksLikePath = nameOrDir.includes('/') || nameOrDir.startsWith('.') || isAbsolute(nameOrDir);
  if (looksLikePath || (await isDirectory(asDir))) {
    if (!(await isDirectory(asDir))) {
      throw new PermanentError(`suite folder ${asDir} does not exist: pass a suite name or a suite folder`);
    }
    return asDir;
  }
  const root = evalDirectory();
  const dir = join(root, nameOrDir);
  if (!TASK_ID.test(nameOrDir) || !(await isDirectory(dir))) {
    const known = (await readdir(root, { withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    throw new PermanentError(
      `unknown suite "${nameOrDir}": known suites are ${known.join(', ') || '(none)'} in ${root}, or pass a suite folder`,
    );
  }
  return dir;
}

/** The checkout's eval/: beside worker/ (this file is worker/eval/suite.ts, or build/worker/eval/suite.js). */
export function evalDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'eval'), join(here, '..', '..', '..', 'eval')];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
