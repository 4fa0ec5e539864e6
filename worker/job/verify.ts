// Verification of the agent's change, given to the runner as verify() (docs/requirements.md#code-generation:
// "runs without syntax errors"). Checks, in order: something changed; no change under .github/workflows/
// unless allowed; every changed file parses for its language; the repository's own test command
// (.codingworker.yml) passes.
// JavaScript/TypeScript, JSON and YAML are parsed here in the worker (pure parsing, nothing executed).
// Python (ast.parse, no .pyc written), shell (bash -n) and the test command touch untrusted code, so they
// run INSIDE a sandbox container on the same workspace.
import { lstat, open, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Verdict } from '../agent/runner.ts';
import type { SandboxProvider } from '../sandbox/sandbox.ts';
import { type DeletionPolicy, deletionCheck } from './deletion-check.ts';
import { type ChangedFile, pathBytes, type TaskRepo } from './git.ts';
import { changedLinks, linkCheck } from './link-check.ts';
import type { RepoConfig } from './repo-config.ts';

export interface VerifierOptions {
  workspace: string;
  /** Lists the work tree's changes (stages them). */
  git: Pick<TaskRepo, 'changedFiles'>;
  /** Starts a container on the workspace for the Python/shell checks and the test command. */
  sandboxProvider: SandboxProvider;
  taskId: string;
  repoConfig: RepoConfig;
  /** settings.github.allowWorkflowChanges. Default false. */
  allowWorkflowChanges: boolean;
  /** When given, a change deleting most of the base's files fails (deletion-check.ts). */
  deletions?: DeletionPolicy;
  /** settings.sandbox.commandTimeoutSeconds: limit for each sandbox check and the test command's cap. */
  commandTimeoutSeconds: number;
  /** Characters of feedback given back to the agent. Default 4000. */
  feedbackLimit?: number;
}

type Check = Verdict['checks'][number];
type Language = 'javascript' | 'typescript' | 'json' | 'yaml' | 'python' | 'shell';

/** Larger files are not parsed (reported, not failed): a generated bundle is not the agent's code. */
const MAX_FILE_BYTES = 2_000_000;
const WORKFLOWS = '.github/workflows/';

const EXTENSIONS: Record<string, Language> = {
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescript',
  '.json': 'json',
  '.yml': 'yaml',
  '.yaml': 'yaml',
  '.py': 'python',
  '.sh': 'shell',
  '.bash': 'shell',
};

/** The verifier; its signal (the task's, the runner's wall limit) stops every command it runs in a sandbox. */
export function createVerifier(options: VerifierOptions): (signal?: AbortSignal) => Promise<Verdict> {
  return async (signal) => {
    signal?.throwIfAborted();
    const files = await options.git.changedFiles();
    if (files.length === 0) {
      const check = { name: 'changes', ok: false, detail: 'no file changed' };
      return verdict(
        [check],
        options,
        'No file was changed. Make the change the issue asks for, then finish.',
      );
    }
    const checks: Check[] = [
      { name: 'changes', ok: true, detail: `${plural(files.length, 'file')} changed` },
    ];
    const workflows = workflowCheck(files, options.allowWorkflowChanges);
    if (workflows) checks.push(workflows);
    const links = linkCheck(options.workspace, await changedLinks(options.workspace, files));
    if (links) checks.push(links);
    const deletions = options.deletions && deletionCheck(files, options.deletions);
    if (deletions) checks.push(deletions);
    const byLanguage = await groupByLanguage(options.workspace, files, checks);
    checks.push(...(await hostChecks(options.workspace, byLanguage)));
    checks.push(...(await sandboxChecks(options, byLanguage, signal)));
    if (options.repoConfig.test) await removeNewFiles(options, files);
    return verdict(checks, options);
  };
}

/**
 * Files the test command created (caches, coverage, __pycache__ where the repository does not ignore them)
 * are not part of the agent's change: anything added since the listing before the checks is removed, so it
 * is neither committed nor shown to the agent as its own work.
 */
async function removeNewFiles(options: VerifierOptions, before: ChangedFile[]): Promise<void> {
  const known = new Set(before.map((file) => file.path));
  const created = (await options.git.changedFiles()).filter(
    (file) => file.status === 'added' && !known.has(file.path),
  );
  if (created.length === 0) return;
  for (const file of created) await rm(onDisk(options.workspace, file), { force: true });
  await options.git.changedFiles();
}

function verdict(checks: Check[], options: VerifierOptions, feedback?: string): Verdict {
  const failed = checks.filter((check) => !check.ok);
  const limit = options.feedbackLimit ?? 4_000;
  const text =
    feedback ??
    (failed.length === 0
      ? ''
      : `Verification failed. Fix these problems, then finish again:\n${failed
          .map((check) => `## ${check.name}\n${check.detail}`)
          .join('\n\n')}`);
  return { ok: failed.length === 0, checks, feedback: bounded(text, limit) };
}

/** Changed paths under .github/workflows/ (refused unless settings.github.allowWorkflowChanges). */
export function workflowChanges(files: ChangedFile[]): string[] {
  return files.filter((file) => file.path.startsWith(WORKFLOWS)).map((file) => file.path);
}

function workflowCheck(files: ChangedFile[], allowed: boolean): Check | undefined {
  const touched = workflowChanges(files);
  if (touched.length === 0) return undefined;
  if (allowed)
    return {
      name: 'workflows',
      ok: true,
      detail: `${plural(touched.length, 'workflow file')} changed (allowed)`,
    };
  return {
    name: 'workflows',
    ok: false,
    detail: `changes under ${WORKFLOWS} are not allowed (${touched.join(', ')}): revert them (the operator can allow them with CW_ALLOW_WORKFLOW_CHANGES=true)`,
  };
}

/** Which files to parse as which language: by extension, else by a shebang line. Deleted files are skipped. */
async function groupByLanguage(workspace: string, files: ChangedFile[], checks: Check[]) {
  const groups = new Map<Language, ChangedFile[]>();
  const skipped: string[] = [];
  for (const file of files) {
    if (file.status === 'deleted') continue;
    const info = await lstat(onDisk(workspace, file)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const language = EXTENSIONS[extname(file.path).toLowerCase()] ?? (await shebangLanguage(workspace, file));
    if (!language) continue;
    if (info.size > MAX_FILE_BYTES) {
      skipped.push(file.path);
      continue;
    }
    groups.set(language, [...(groups.get(language) ?? []), file]);
  }
  if (skipped.length > 0) {
    checks.push({
      name: 'size',
      ok: true,
      detail: `not parsed, larger than ${MAX_FILE_BYTES} bytes: ${skipped.join(', ')}`,
    });
  }
  return groups;
}

async function shebangLanguage(workspace: string, file: ChangedFile): Promise<Language | undefined> {
  if (extname(file.path) !== '') return undefined;
  const handle = await open(onDisk(workspace, file), 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(128), 0, 128, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    if (!first.startsWith('#!')) return undefined;
    if (/\bpython[0-9.]*\b/.test(first)) return 'python';
    if (/\b(?:ba|da)?sh\b/.test(first)) return 'shell';
    return undefined;
  } finally {
    await handle.close();
  }
}

async function hostChecks(workspace: string, groups: Map<Language, ChangedFile[]>): Promise<Check[]> {
  const checks: Check[] = [];
  const scripts = [...(groups.get('javascript') ?? []), ...(groups.get('typescript') ?? [])];
  if (scripts.length > 0)
    checks.push(await parseEach('javascript/typescript syntax', workspace, scripts, scriptErrors));
  const json = groups.get('json') ?? [];
  if (json.length > 0) checks.push(await parseEach('json syntax', workspace, json, jsonErrors));
  const yaml = groups.get('yaml') ?? [];
  if (yaml.length > 0) checks.push(await parseEach('yaml syntax', workspace, yaml, yamlErrors));
  return checks;
}

async function parseEach(
  name: string,
  workspace: string,
  files: ChangedFile[],
  errorsOf: (path: string, text: string) => Promise<string[]> | string[],
): Promise<Check> {
  const problems: string[] = [];
  for (const file of files) {
    const handle = await open(onDisk(workspace, file), 'r');
    const text = await handle.readFile('utf8').finally(() => handle.close());
    problems.push(...(await errorsOf(file.path, text)));
  }
  if (problems.length === 0) return { name, ok: true, detail: `${plural(files.length, 'file')} ok` };
  return { name, ok: false, detail: problems.slice(0, 20).join('\n') };
}

/** The TypeScript compiler's syntactic diagnostics (it parses JavaScript too). Loaded only when needed. */
async function scriptErrors(path: string, text: string): Promise<string[]> {
  const ts = (await import('typescript')).default;
  const output = ts.transpileModule(text, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve, target: ts.ScriptTarget.ESNext },
  });
  return (output.diagnostics ?? [])
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error && diagnostic.file)
    .map((diagnostic) => {
      const { line, character } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      return `${path}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
    });
}

/** tsconfig/jsconfig and editor settings are JSON with comments, as their tools read them. */
const JSONC = /(^|\/)(?:tsconfig|jsconfig)[^/]*\.json$|(^|\/)\.vscode\/[^/]+\.json$|(^|\/)\.devcontainer/;

async function jsonErrors(path: string, text: string): Promise<string[]> {
  if (JSONC.test(path)) {
    const ts = (await import('typescript')).default;
    const { error } = ts.parseConfigFileTextToJson(path, text);
    return error ? [`${path}: ${ts.flattenDiagnosticMessageText(error.messageText, ' ')}`] : [];
  }
  try {
    // A byte-order mark is common in files saved on Windows and harmless to every JSON reader but this one.
    JSON.parse(text.replace(/^\uFEFF/, ''));
    return [];
  } catch (error) {
    return [`${path}: ${(error as Error).message}`];
  }
}

function yamlErrors(path: string, text: string): string[] {
  return parseAllDocuments(text).flatMap((document) =>
    'errors' in document ? document.errors.map((error) => `${path}: ${error.message.split('\n')[0]}`) : [],
  );
}

/** Python and shell parsing and the test command, in one container started for this verification. */
async function sandboxChecks(
  options: VerifierOptions,
  groups: Map<Language, ChangedFile[]>,
  signal: AbortSignal | undefined,
): Promise<Check[]> {
  const python = groups.get('python') ?? [];
  const shell = groups.get('shell') ?? [];
  const test = options.repoConfig.test;
  if (python.length === 0 && shell.length === 0 && !test) return [];
  const limitMs = options.commandTimeoutSeconds * 1_000;
  signal?.throwIfAborted();
  const sandbox = await options.sandboxProvider.start({
    taskId: `${options.taskId}-verify`,
    workspace: options.workspace,
  });
  try {
    const checks: Check[] = [];
    const run = async (name: string, command: string, count: string, timeoutMs = limitMs) => {
      const result = await sandbox.exec(command, { timeoutMs, signal });
      const output = `${result.stdout}${result.stderr}`.trim();
      const ok = result.exitCode === 0;
      const detail = ok
        ? count
        : result.timedOut
          ? `timed out after ${Math.round(timeoutMs / 1_000)} s\n${tail(output, 1_500)}`
          : `exit ${result.exitCode}\n${tail(output, 1_500)}`;
      checks.push({ name, ok, detail });
    };
    if (python.length > 0) {
      await run(
        'python syntax',
        `python3 -B -c ${quote(PYTHON_CHECK)} ${python.map(shellPath).join(' ')}`,
        `${plural(python.length, 'file')} ok`,
      );
    }
    if (shell.length > 0) {
      const command = `rc=0; for f in ${shell.map(shellPath).join(' ')}; do bash -n -- "$f" || rc=1; done; exit $rc`;
      await run('shell syntax', command, `${plural(shell.length, 'file')} ok`);
    }
    if (test) {
      const seconds = Math.min(
        options.repoConfig.timeout ?? options.commandTimeoutSeconds,
        options.commandTimeoutSeconds,
      );
      await run('test command', test, `${test}: exit 0`, seconds * 1_000);
    }
    return checks;
  } finally {
    await sandbox.destroy();
  }
}

/**
 * Parses each file given as an argument; prints "path:line: message" for each syntax error, with bytes of
 * the name that are not UTF-8 shown as \xNN (as the worker shows them).
 */
const PYTHON_CHECK = `import ast, sys
bad = 0
for path in sys.argv[1:]:
    try:
        with open(path, 'rb') as f:
            ast.parse(f.read(), path)
    except (SyntaxError, ValueError) as e:
        shown = path.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')
        print(f"{shown}:{getattr(e, 'lineno', '?')}: {e.msg if hasattr(e, 'msg') else e}")
        bad = 1
sys.exit(bad)`;

/**
 * A changed file as one bash word that cannot be read as an option. A name that is not UTF-8 (or holds
 * control characters) is ANSI-C quoted, every byte outside printable ASCII as \xNN, so it reaches the check
 * byte for byte.
 */
function shellPath(file: ChangedFile): string {
  if (file.raw === undefined) return quote(`./${file.path}`);
  let word = '';
  for (const byte of Buffer.concat([Buffer.from('./'), pathBytes(file)])) {
    const char = String.fromCharCode(byte);
    word +=
      byte < 0x20 || byte > 0x7e || char === "'" || char === '\\'
        ? `\\x${byte.toString(16).padStart(2, '0')}`
        : char;
  }
  return `$'${word}'`;
}

/** Where a changed file is on disk, as bytes (node's fs takes Buffer paths). */
function onDisk(workspace: string, file: ChangedFile): Buffer {
  return Buffer.concat([Buffer.from(`${workspace}/`), pathBytes(file)]);
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function tail(text: string, max: number): string {
  return text.length > max ? `[…${text.length - max} characters cut]\n${text.slice(-max)}` : text;
}

function bounded(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 40)}\n[… feedback cut at ${max} characters]` : text;
}
