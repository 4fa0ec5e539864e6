// TEST DOUBLES for a model, which cannot run on these machines: an ORACLE that answers with the known fix
// of an eval task (a suite's fix/ folder), and a NOISY ORACLE that first makes one of the mistakes small
// models make (docs/agent.md#the-pipeline-strategy) and answers correctly once it is told what was wrong. They
// speak the Ollama API through the scripted server (scripted-ollama.ts). They measure the harness — what
// the pipeline does with right and wrong replies — never a model: no figure about a real model comes from them.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CHOOSE_QUESTION, PIPELINE_SYSTEM_PROMPT } from '../../worker/agent/pipeline/prompts.ts';
import { DONE_MARKER } from '../../worker/agent/reply-parser.ts';
import type { ChatRequest } from './scripted-ollama.ts';

export interface OracleFile {
  path: string;
  /** The file in the task's repository, or undefined for a new file. */
  before?: string;
  after: string;
}

export interface OracleTask {
  id: string;
  title: string;
  files: OracleFile[];
}

export const MISTAKES = [
  'indentation',
  'prose-around',
  'no-path',
  'elided',
  'near-miss-search',
  'cut-off',
  'no-fence',
  'tool-call',
  'empty',
  'other-language',
  'two-fences',
  'bad-path',
  'ambiguous-search',
] as const;
export type Mistake = (typeof MISTAKES)[number];

export interface OracleOptions {
  /** Make one mistake per task, chosen from `mistakes` with this seed; correct once told. */
  noisy?: { seed: number; mistakes?: readonly Mistake[] };
  /** Which mistake each task got (filled as tasks are answered), for the benchmark's report. */
  made?: Map<string, Mistake>;
  /** Tasks answered with a wrong change (the buggy file with a comment added), to test the scoring. */
  wrong?: ReadonlySet<string>;
}

/** The tasks of a suite folder (docs/eval.md) that have a fix/: title from issue.md, files from fix/ and repo/. */
export async function oracleTasksFromSuite(suiteDir: string): Promise<OracleTask[]> {
  const tasks: OracleTask[] = [];
  for (const id of (await readdir(join(suiteDir, 'tasks'))).sort()) {
    const taskDir = join(suiteDir, 'tasks', id);
    const fixDir = join(taskDir, 'fix');
    const fixes = await listFiles(fixDir).catch(() => []);
    if (fixes.length === 0) continue;
    const issue = await readFile(join(taskDir, 'issue.md'), 'utf8');
    const title = (issue.split('\n')[0] ?? '').replace(/^#\s*/, '').trim();
    const repoDir =
      (await listFiles(join(taskDir, 'repo')).catch(() => [])).length > 0
        ? join(taskDir, 'repo')
        : join(suiteDir, 'repo');
    const files: OracleFile[] = [];
    for (const path of fixes) {
      const before = await readFile(join(repoDir, path), 'utf8').catch(() => undefined);
      files.push({ path, before, after: await readFile(join(fixDir, path), 'utf8') });
    }
    tasks.push({ id, title, files });
  }
  return tasks;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** The Ollama reply function for scripted-ollama's `answer`: reads the request, answers as the oracle. */
export function oracleAnswer(
  tasks: OracleTask[],
  options: OracleOptions = {},
): (request: ChatRequest) => string {
  return (request) => {
    const found = taskOf(request, tasks);
    if (!found) return 'I cannot find the issue in this request.';
    const task = options.wrong?.has(found.id) ? wrongVersion(found) : found;
    if (request.messages[0]?.content !== PIPELINE_SYSTEM_PROMPT) return shellReply(request, task);
    const last = request.messages.at(-1)?.content ?? '';
    if (last.includes(CHOOSE_QUESTION)) return task.files.map((file) => file.path).join('\n');
    const partial = lastEditPrompt(request)?.includes('(parts of it;') ?? false;
    const format = partial || hashOf(task.id) % 2 === 1 ? 'search-replace' : 'whole';
    const right = editReply(task, format);
    const firstTry = repliesSinceEditPrompt(request) === 0;
    if (!options.noisy || !firstTry) return right;
    const mistake = pick(options.noisy, task);
    options.made?.set(task.id, mistake);
    return mistaken(mistake, task, right);
  };
}

/** The task with a change that is not the fix: the buggy files with a comment line added. */
function wrongVersion(task: OracleTask): OracleTask {
  const files = task.files.map((file) => ({ ...file, after: `${file.before ?? ''}\n# looked at it\n` }));
  return { ...task, files };
}

/** The task whose title is in the issue quoted at the start of the request. */
function taskOf(request: ChatRequest, tasks: OracleTask[]): OracleTask | undefined {
  const opening = request.messages.find((message) => message.role === 'user')?.content ?? '';
  return tasks.find((task) => opening.includes(`Title: ${task.title}`));
}

function lastEditPrompt(request: ChatRequest): string | undefined {
  return request.messages.findLast(
    (message) => message.role === 'user' && message.content.includes('Here is the code to change:'),
  )?.content;
}

function repliesSinceEditPrompt(request: ChatRequest): number {
  const at = request.messages.findLastIndex(
    (message) => message.role === 'user' && message.content.includes('Here is the code to change:'),
  );
  return request.messages.slice(at + 1).filter((message) => message.role === 'assistant').length;
}

/** The shell loop: write the fixed files with a heredoc, then say it is done. */
function shellReply(request: ChatRequest, task: OracleTask): string {
  const replied = request.messages.some((message) => message.role === 'assistant');
  if (replied) return `- Fixed ${task.title}\n\`\`\`bash\necho ${DONE_MARKER}\n\`\`\``;
  const writes = task.files.map(
    (file) =>
      `mkdir -p "$(dirname '${file.path}')" && cat > '${file.path}' <<'CW_ORACLE_EOF'\n${file.after.replace(/\n$/, '')}\nCW_ORACLE_EOF`,
  );
  return `I will write the fixed file.\n\`\`\`bash\n${writes.join(' && \\\n')}\n\`\`\``;
}

type Format = 'whole' | 'search-replace';

function editReply(task: OracleTask, format: Format): string {
  return task.files.map((file) => fileEdit(file, format)).join('\n\n');
}

function fileEdit(file: OracleFile, format: Format): string {
  if (format === 'whole' || file.before === undefined)
    return `${file.path}\n\`\`\`python\n${file.after}\`\`\``;
  return `${file.path}\n\`\`\`python\n${searchReplace(file.before, file.after)}\`\`\``;
}

/** One SEARCH/REPLACE block covering every changed line, with two lines of context each side. */
export function searchReplace(before: string, after: string, context = 2): string {
  const { search, replace } = changedWindow(before, after, context);
  return `<<<<<<< SEARCH\n${search.join('\n')}\n=======\n${replace.join('\n')}\n>>>>>>> REPLACE\n`;
}

function changedWindow(before: string, after: string, context: number) {
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail += 1;
  for (let extra = context; ; extra += 1) {
    const from = Math.max(0, head - extra);
    const search = a.slice(from, Math.min(a.length, a.length - tail + extra));
    const replace = b.slice(from, Math.min(b.length, b.length - tail + extra));
    // A SEARCH must match once: widen it until it does (or it is the whole file).
    if (occurrences(a, search) <= 1 || search.length >= a.length) return { search, replace, from };
  }
}

function occurrences(lines: string[], window: string[]): number {
  let count = 0;
  for (let at = 0; at + window.length <= lines.length; at += 1) {
    if (window.every((line, index) => lines[at + index] === line)) count += 1;
  }
  return count;
}

/** The right reply with one small-model mistake in it. */
function mistaken(mistake: Mistake, task: OracleTask, right: string): string {
  const file = task.files[0]!;
  const before = file.before ?? '';
  switch (mistake) {
    case 'indentation': {
      // The block copied without its indentation, as small models do with code from inside a function.
      const { search, replace } = changedWindow(before, file.after, 2);
      const indent = Math.min(
        ...search.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length),
      );
      const dedent = (lines: string[]) =>
        lines.map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)));
      return `${file.path}\n\`\`\`python\n<<<<<<< SEARCH\n${dedent(search).join('\n')}\n=======\n${dedent(replace).join('\n')}\n>>>>>>> REPLACE\n\`\`\``;
    }
    case 'prose-around':
      return `Here is the fixed code:\n\n${right}\n\nThis should fix the issue. Let me know if you need anything else!`;
    case 'no-path':
      return right.slice(right.indexOf('\n') + 1);
    case 'elided': {
      const lines = file.after.split('\n');
      const keep = Math.max(1, Math.floor(lines.length / 2));
      return `${file.path}\n\`\`\`python\n${lines.slice(0, keep).join('\n')}\n# ... rest of the code remains the same ...\n\`\`\``;
    }
    case 'near-miss-search': {
      const { search, replace } = changedWindow(before, file.after, 3);
      // One context line retyped with a small slip, as a model copying from memory does.
      const at = search.findIndex((line) => line.trim().length > 3);
      const slip = (line: string) => (line.includes(', ') ? line.replace(', ', ',') : line.slice(0, -1));
      const slipped = search.map((line, index) => (index === at ? slip(line) : line));
      return `${file.path}\n\`\`\`python\n<<<<<<< SEARCH\n${slipped.join('\n')}\n=======\n${replace.join('\n')}\n>>>>>>> REPLACE\n\`\`\``;
    }
    case 'cut-off':
      return right.slice(0, Math.floor(right.length * 0.6));
    case 'no-fence':
      return `${file.path}\n${file.after}`;
    case 'tool-call':
      return JSON.stringify({ name: 'edit_file', arguments: { path: file.path, content: file.after } });
    case 'empty':
      return '';
    case 'other-language':
      return '这个函数有一个错误。我已经找到了问题所在，应该修改比较的条件。';
    case 'two-fences':
      return `${file.path}\n\`\`\`python\n${before}\`\`\`\n\nAnd the fixed version:\n\n${file.path}\n\`\`\`python\n${file.after}\`\`\``;
    case 'bad-path':
      return `../${file.path}\n\`\`\`python\n${file.after}\`\`\``;
    case 'ambiguous-search': {
      const repeated = before
        .split('\n')
        .find((line, index, all) => line.trim().length > 0 && all.indexOf(line) !== index);
      if (!repeated) return right.slice(0, Math.floor(right.length * 0.6));
      return `${file.path}\n\`\`\`python\n<<<<<<< SEARCH\n${repeated}\n=======\n${repeated}  # fixed\n>>>>>>> REPLACE\n\`\`\``;
    }
  }
}

/** The task's mistake: fixed by the seed and the task, so a run can be repeated. */
function pick(noisy: NonNullable<OracleOptions['noisy']>, task: OracleTask): Mistake {
  const mistakes = noisy.mistakes ?? MISTAKES;
  return mistakes[hashOf(`${noisy.seed}:${task.id}`) % mistakes.length]!;
}

/** FNV-1a: a stable small hash for seeded choices. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}
