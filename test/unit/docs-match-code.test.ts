// The documents say what the code does: every CW_* name in docs/ exists in the code, the settings appendix of
// the setup guides lists every setting, every default the documents state is the code's default, links and
// anchors resolve (also those cited in code comments), the requirements are cited by docs/requirements.md's
// sections, the message example is a valid message, and the workflow shown in the setup guides is exactly
// what Terraform prints.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { encodeTaskMessage, parseTaskMessage } from '../../action/task-message.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import { evaluate, INFRA_DIR } from './infra-hcl.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const read = (path: string) => readFileSync(path, 'utf8');
const markdown = readdirSync(DOCS).filter((name) => name.endsWith('.md'));
/** The documents this test holds to every rule; others' documents are checked for CW_* names only. */
const OWN = [
  'architecture.md',
  'setup.md',
  'setup.ja.md',
  'troubleshooting.md',
  'operations.md',
  'message-api.md',
  'requirements.md',
];

function sourceText(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|sh|tf|tftpl|service|plist|example|yml|yaml)$/.test(entry.name)) texts.push(read(path));
    }
  };
  for (const dir of ['worker', 'action', 'service', 'infra', 'scripts']) walk(join(ROOT, dir));
  texts.push(read(join(ROOT, 'action.yml')));
  return texts.join('\n');
}

/** Every text file below these folders (relative to the root), with its text. */
function filesIn(dirs: string[]): Array<{ path: string; text: string }> {
  const files: Array<{ path: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|md|sh)$/.test(entry.name)) files.push({ path, text: read(join(ROOT, path)) });
    }
  };
  for (const dir of dirs) walk(dir);
  return files;
}

/** Each setting's environment variable and settings path, from ENV_NAMES in worker/core/settings.ts. */
function settingPaths(): Map<string, string> {
  const source = read(join(ROOT, 'worker', 'core', 'settings.ts'));
  const paths = new Map<string, string>();
  for (const match of source.matchAll(/^ {2}'?([\w.]+)'?: '([A-Z][A-Z0-9_]+)',$/gm))
    paths.set(match[2]!, match[1]!);
  return paths;
}

/** Defaults that depend on the machine, which the documents name in words. */
const MACHINE_DEFAULTS: Record<string, unknown> = { CW_WORKER_ID: hostname() };

/** The code's default of a setting as the documents write it: lists comma-joined, ~ for the home directory. */
function codeDefault(path: string): string | undefined {
  let value: unknown = loadSettings({});
  for (const key of path.split('.')) value = (value as Record<string, unknown>)[key];
  // An empty list is no default at all (the documents say "none").
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return text.startsWith(homedir()) ? `~${text.slice(homedir().length)}` : text;
}

/** The values a default cell states: `a` / `b` gives [a, b]; a bare number (unit s allowed) gives [n]; prose gives undefined. */
function statedValues(cell: string): string[] | undefined {
  const bare = /^(\d+)(?: s)?$/.exec(cell);
  if (bare) return [bare[1]!];
  if (!/^`[^`]+`(?: \/ `[^`]+`)*$/.test(cell)) return undefined;
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

interface StatedDefault {
  where: string;
  name: string;
  /** undefined: the document describes the default in words. */
  value: string | undefined;
}

/** Rows of tables with a Default column: the settings named before that column, and what it states. */
function tableDefaults(file: string, names: Map<string, string>): StatedDefault[] {
  const stated: StatedDefault[] = [];
  const lines = read(join(DOCS, file)).split('\n');
  const cells = (line: string) =>
    line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());
  const separator = /^\|[\s|:-]+\|$/;
  let column = -1;
  lines.forEach((line, index) => {
    if (!line.startsWith('|')) column = -1;
    else if (separator.test(line)) {
      column = cells(lines[index - 1]!).findIndex((cell) => /^(default|既定値)$/i.test(cell));
    } else if (column > 0) {
      const row = cells(line);
      const named = row
        .slice(0, column)
        .flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1]!))
        .filter((name) => names.has(name));
      const values = statedValues(row[column] ?? '');
      // `a` / `b` pairs with the names in order; a single value is every named setting's default.
      named.forEach((name, position) => {
        const value = values?.length === named.length ? values[position] : values?.[0];
        stated.push({ where: `${file}:${index + 1}`, name, value });
      });
    }
  });
  return stated;
}

/** Defaults stated in running text: "`CW_X` (default 30)", "`CW_X`, default `bridge`", "(default 300 s)". */
function proseDefaults(file: string, names: Map<string, string>): StatedDefault[] {
  const text = read(join(DOCS, file));
  const stated: StatedDefault[] = [];
  for (const match of text.matchAll(
    /`([A-Z][A-Z0-9_]+)`[^`.;|]{0,20}?\(?default:?\s+`?(\d+|[^`\s),;]+(?=`))/g,
  )) {
    const line = text.slice(0, match.index).split('\n').length;
    if (names.has(match[1]!)) stated.push({ where: `${file}:${line}`, name: match[1]!, value: match[2]! });
  }
  return stated;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens (letters of any script kept). */
function anchors(text: string): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = match[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    found.add(slug);
  }
  return found;
}

describe('docs match the code', () => {
  test('every CW_* name in docs/ is read somewhere in the code', () => {
    const code = sourceText();
    const missing: string[] = [];
    for (const name of markdown) {
      for (const match of read(join(DOCS, name)).matchAll(/\bCW_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        if (!code.includes(match[0])) missing.push(`${name}: ${match[0]}`);
      }
    }
    assert.deepEqual([...new Set(missing)], []);
  });

  test('the settings appendix of both setup guides lists every worker setting', () => {
    const settings = read(join(ROOT, 'worker', 'core', 'settings.ts'));
    const names = [...settings.matchAll(/^ {2}'[\w.]+': '([A-Z][A-Z0-9_]+)',$/gm)].map((match) => match[1]!);
    assert.ok(names.length >= 40, `found only ${names.length} settings in worker/core/settings.ts`);
    for (const guide of ['setup.md', 'setup.ja.md']) {
      const text = read(join(DOCS, guide));
      const appendix = text.slice(text.lastIndexOf('\n## '));
      const absent = names.filter((name) => !appendix.includes(`\`${name}\``));
      assert.deepEqual(absent, [], `${guide}: add these settings to the appendix table`);
    }
  });

  test('every default the documents state is the default in worker/core/settings.ts', () => {
    const names = settingPaths();
    assert.ok(names.size >= 40, `found only ${names.size} settings in worker/core/settings.ts`);
    const stated = markdown.flatMap((file) => [...tableDefaults(file, names), ...proseDefaults(file, names)]);
    const checked = new Set(
      stated.filter((entry) => entry.where.startsWith('setup.md')).map((entry) => entry.name),
    );
    assert.ok(checked.size >= 40, `read only ${checked.size} defaults from the setup.md appendix`);
    const wrong: string[] = [];
    for (const { where, name, value } of stated) {
      const actual = codeDefault(names.get(name)!);
      if (value === undefined) {
        // Words stand for no fixed value: the code has none either, or one that depends on the machine.
        const machine = name in MACHINE_DEFAULTS;
        if (machine ? actual !== String(MACHINE_DEFAULTS[name]) : actual !== undefined) {
          wrong.push(`${where}: ${name} is described in words, but its default is ${actual}`);
        }
      } else if (value !== actual) {
        wrong.push(`${where}: ${name} default ${value}, the code says ${actual ?? 'none'}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('relative links in the documents resolve, anchors included', () => {
    const broken: string[] = [];
    for (const name of OWN) {
      const path = join(DOCS, name);
      for (const match of read(path).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const targetPath = file ? resolve(dirname(path), file) : path;
        let text: string;
        try {
          text = read(targetPath);
        } catch {
          broken.push(`${name}: ${target} (no such file)`);
          continue;
        }
        if (anchor && targetPath.endsWith('.md') && !anchors(text).has(decodeURIComponent(anchor))) {
          broken.push(`${name}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  test('every TypeScript file the documents name exists (a path, or a bare name somewhere in the tree)', () => {
    const names = new Set(
      filesIn(['worker', 'action', 'test', 'scripts']).map(({ path }) =>
        path.slice(path.lastIndexOf('/') + 1),
      ),
    );
    const missing: string[] = [];
    for (const { path, text } of [
      ...filesIn(['docs']),
      { path: 'README.md', text: read(join(ROOT, 'README.md')) },
    ]) {
      for (const [file] of text.matchAll(/(?<![\w/.*-])(?:[\w-]+\/)*[\w.-]+\.ts\b/g)) {
        const found = file.includes('/') ? existsSync(join(ROOT, file)) : names.has(file);
        if (!found) missing.push(`${path}: ${file}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test("agent.md's file table lists every file of worker/agent/ but the OpenHands runner (openhands.md's)", () => {
    const agent = read(join(DOCS, 'agent.md'));
    const files = readdirSync(join(ROOT, 'worker', 'agent')).filter((name) => name !== 'openhands-runner.ts');
    assert.deepEqual(
      files.filter((name) => !agent.includes(`| \`worker/agent/${name}\``)),
      [],
    );
  });

  test('openhands.md names every doctor check of CW_RUNNER=openhands', () => {
    const code = read(join(ROOT, 'worker', 'agent', 'openhands-runner.ts'));
    const names = [...new Set([...code.matchAll(/name: '(OpenHands [^']+)'/g)].map((match) => match[1]!))];
    assert.ok(names.length >= 2, `found only ${names.length} OpenHands checks`);
    const doc = read(join(DOCS, 'openhands.md'));
    assert.deepEqual(
      names.filter((name) => !doc.includes(name)),
      [],
    );
  });

  test('code comments cite documents and sections that exist', () => {
    const broken: string[] = [];
    for (const { path, text } of filesIn(['worker', 'action', 'test', 'scripts'])) {
      for (const match of text.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
        const [cited, file, anchor] = match as unknown as [string, string, string | undefined];
        let doc: string;
        try {
          doc = read(join(DOCS, file));
        } catch {
          broken.push(`${path}: ${cited} (no such file)`);
          continue;
        }
        if (anchor && !anchors(doc).has(anchor)) broken.push(`${path}: ${cited} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test("the requirements are cited by docs/requirements.md's sections, not by the specification's numbers", () => {
    // The specification and the field notes are not in the repository: a reader cannot follow those numbers.
    const cited = /seed [0-9]|seed [A-Z]+-[0-9]|\(seed\)|FR-[0]|FIELD-NOTE[S]/i;
    const files = [
      ...filesIn(['worker', 'action', 'test', 'scripts', 'docs']),
      { path: 'README.md', text: read(join(ROOT, 'README.md')) },
    ];
    const found = files.flatMap(({ path, text }) =>
      text
        .split('\n')
        .flatMap((line, index) => (cited.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(found, []);
  });

  test('the documents name the requirements, not "the seed"', () => {
    const found = [...filesIn(['docs']), { path: 'README.md', text: read(join(ROOT, 'README.md')) }].flatMap(
      ({ path, text }) =>
        text
          .split('\n')
          // Ollama's `seed` option, in a code span, is not the seed specification.
          .map((line) => line.replace(/`[^`]*`/g, ''))
          .flatMap((line, index) => (/\bseed\b|シード/i.test(line) ? [`${path}:${index + 1}`] : [])),
    );
    assert.deepEqual(found, []);
  });

  test('the message example is a valid task message, with the size and attributes the document states', () => {
    const text = read(join(DOCS, 'message-api.md'));
    const [body, attributes, revision] = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((match) =>
      JSON.parse(match[1]!),
    );
    const parsed = parseTaskMessage(JSON.stringify(body));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    const parsedRevision = parseTaskMessage(JSON.stringify(revision));
    assert.ok(parsedRevision.ok && parsedRevision.task.kind === 'revision', 'the revision example parses');
    const encoded = encodeTaskMessage(parsed.task);
    assert.deepEqual(encoded.attributes, attributes);
    assert.match(text, new RegExp(`\\(${encoded.bytes} bytes\\)`));
    assert.match(text, /262,144 bytes/);
  });

  const scratch = mkdtempSync(join(tmpdir(), 'cw-docs-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('the workflow in both setup guides is exactly what terraform output -raw workflow_snippet prints', async () => {
    const [rendered] = (await evaluate(scratch, [
      `templatefile("${INFRA_DIR}/templates/workflow.yml.tftpl", { trigger_label = "auto-code", allowed_bots = [], queue_url = "https://sqs.ap-northeast-1.amazonaws.com/123456789012/codingworker-tasks", aws_region = "ap-northeast-1", role_arn = "arn:aws:iam::123456789012:role/codingworker-enqueue-action", audience = "sts.amazonaws.com", fix_failing_checks = [] })`,
    ])) as string[];
    const withoutHeader = rendered!.replace(/^#.*\n/, '');
    for (const guide of ['setup.md', 'setup.ja.md']) {
      const shown = /```yaml\n(name: CodingWorker[\s\S]*?)```/.exec(read(join(DOCS, guide)))?.[1];
      assert.equal(shown, withoutHeader, `${guide} shows a different workflow than Terraform renders`);
    }
  });
});
