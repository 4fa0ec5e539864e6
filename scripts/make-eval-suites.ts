// Packages the two third-party eval suites into eval/ (the folder format is docs/eval.md):
//   eval/quixbugs-python/      40 QuixBugs programs, each a task with its upstream pytest file hidden;
//   eval/humanevalfix-python/  164 HumanEvalFix functions, each a task with its test.py hidden.
//
//   node scripts/make-eval-suites.ts [--only quixbugs-python|humanevalfix-python]
//
// Reads the benchmark data from CW_BENCH_DIR or ../shared/bench (test/support/bench-data.ts). The QuixBugs
// issues show one real failing example, computed here by running the buggy and the corrected program with
// the host's python3 (and pytest, for the graph programs whose tests are code); the fix never goes in them.
// Running it again rewrites both folders from scratch, so a change here shows as a diff of eval/.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { benchDataDir } from '../test/support/bench-data.ts';

const root = resolve(import.meta.dirname, '..');
const bench = benchDataDir();
/** How long one example may run before the issue says it "does not finish". */
const EXAMPLE_SECONDS = 5;

// ---------------------------------------------------------------------------------------------- QuixBugs

function makeQuixBugs(out: string): void {
  const source = join(bench, 'quixbugs');
  const names = readdirSync(join(source, 'python_programs'))
    .filter((file) => file.endsWith('.py') && !file.endsWith('_test.py') && file !== 'node.py')
    .map((file) => basename(file, '.py'))
    .sort();
  rmSync(out, { recursive: true, force: true });
  writeSuiteHeader(out, {
    name: 'quixbugs-python',
    description:
      'QuixBugs, Python: 40 classic algorithms with a one-line bug each; the upstream pytest cases are the hidden tests',
    licenceFile: join(source, 'LICENSE'),
    source: 'jkoppel/QuixBugs (python_programs, correct_python_programs, python_testcases, json_testcases)',
  });
  // The shared snapshot: the buggy programs and the Node class the graph programs work on.
  for (const name of [...names, 'node']) {
    copy(join(source, 'python_programs', `${name}.py`), join(out, 'repo', 'python_programs', `${name}.py`));
  }
  for (const name of names) {
    const task = join(out, 'tasks', name);
    writeQuixBugsHidden(source, name, join(task, 'hidden'));
    copy(
      join(source, 'correct_python_programs', `${name}.py`),
      join(task, 'fix', 'python_programs', `${name}.py`),
    );
    const seconds = timeHiddenTest(join(out, 'repo'), task, name);
    writeJson(join(task, 'task.json'), {
      test: quixBugsTestCommand(name),
      // Ten times what the fixed program needs here, at least 30 s: a buggy program that loops forever
      // costs this much once, a slower machine still passes.
      timeoutSeconds: Math.max(30, Math.ceil(seconds * 10)),
    });
    writeFileSync(join(task, 'issue.md'), quixBugsIssue(source, name, join(out, 'repo'), task));
    console.error(`quixbugs-python/${name}: packaged (fixed test ${seconds.toFixed(1)} s)`);
  }
}

function quixBugsTestCommand(name: string): string {
  return `python3 -m pytest -q -p no:cacheprovider python_testcases/test_${name}.py`;
}

/**
 * What the upstream test needs, laid out as upstream has it: conftest.py at the root (pytest.use_correct
 * stays False, so the test imports python_programs.<name>), the test beside load_testdata.py and node.py,
 * and the JSON cases where load_testdata looks for them.
 */
function writeQuixBugsHidden(source: string, name: string, hidden: string): void {
  copy(join(source, 'conftest.py'), join(hidden, 'conftest.py'));
  for (const file of [`test_${name}.py`, 'load_testdata.py', 'node.py']) {
    copy(join(source, 'python_testcases', file), join(hidden, 'python_testcases', file));
  }
  const cases = join(source, 'json_testcases', `${name}.json`);
  if (existsSync(cases)) copy(cases, join(hidden, 'json_testcases', `${name}.json`));
}

/** Seconds the hidden test takes on the host with the fix applied; it must pass, or the task is wrong. */
function timeHiddenTest(repo: string, task: string, name: string): number {
  const dir = merged(repo, join(task, 'hidden'), join(task, 'fix'));
  try {
    const started = performance.now();
    const run = spawnSync('sh', ['-c', quixBugsTestCommand(name)], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${name}: the hidden test fails with the fix:\n${run.stdout}`);
    return (performance.now() - started) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CaseOutcome {
  call: string;
  /** repr of the value, or undefined when it raised or did not finish. */
  value?: string;
  error?: string;
  timedOut?: boolean;
}

/** The issue: a user's bug report with one failing example (the shortest one that shows the bug). */
function quixBugsIssue(source: string, name: string, repo: string, task: string): string {
  const file = `python_programs/${name}.py`;
  const cases = join(source, 'json_testcases', `${name}.json`);
  if (!existsSync(cases)) return graphIssue(name, file, repo, task);
  const buggy = runCases(join(source, 'python_programs', `${name}.py`), name, cases);
  const fixed = runCases(join(source, 'correct_python_programs', `${name}.py`), name, cases);
  const failing = buggy
    .map((outcome, index) => ({ outcome, expected: fixed[index]! }))
    .filter(({ outcome, expected }) => expected.value !== undefined && outcome.value !== expected.value)
    // A wrong value or an exception says more than a hang; then the shortest example reads best.
    .sort(
      (a, b) =>
        Number(a.outcome.timedOut ?? false) - Number(b.outcome.timedOut ?? false) ||
        a.outcome.call.length +
          (a.expected.value?.length ?? 0) -
          (b.outcome.call.length + (b.expected.value?.length ?? 0)),
    );
  const example = failing[0];
  if (!example) throw new Error(`${name}: no JSON test case shows the bug`);
  const { outcome, expected } = example;
  const title = outcome.timedOut
    ? `\`${name}\` never returns for some inputs`
    : outcome.error
      ? `\`${name}\` crashes for some inputs`
      : `\`${name}\` returns the wrong result`;
  const got = outcome.timedOut
    ? `it does not finish within ${EXAMPLE_SECONDS} s.`
    : outcome.error
      ? `it raises:\n\n\`\`\`\n${outcome.error}\n\`\`\``
      : `it returns \`${outcome.value}\`.`;
  return `# ${title}

\`${name}\` in \`${file}\` does not work for some inputs. For example:

\`\`\`python
${outcome.call}
\`\`\`

I expected \`${expected.value}\`, but ${got}
`;
}

/** Each JSON case of a program run in one python3, each with its own alarm so a hang is one case's loss. */
function runCases(program: string, name: string, cases: string): CaseOutcome[] {
  const output = execFileSync('python3', ['-c', CASE_RUNNER, program, name, cases, String(EXAMPLE_SECONDS)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as CaseOutcome[];
}

// Runs a program's function on every JSON case: the call as Python source, and the value's repr (a
// generator's items as a list, as the tests compare them), the exception's last line, or a time-out.
const CASE_RUNNER = `
import importlib.util, json, signal, sys, traceback, types
program, name, cases, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = importlib.util.spec_from_file_location(name, program)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
function = getattr(module, name)
class Hang(Exception):
    pass
def alarm(signum, frame):
    raise Hang()
signal.signal(signal.SIGALRM, alarm)
sys.setrecursionlimit(10000)
results = []
for line in open(cases):
    if not line.strip():
        continue
    args, expected = json.loads(line)
    call = "%s(%s)" % (name, ", ".join(repr(arg) for arg in args))
    outcome = {"call": call}
    signal.alarm(seconds)
    try:
        value = function(*args)
        if isinstance(value, types.GeneratorType):
            value = list(value)
        outcome["value"] = repr(value)
    except Hang:
        outcome["timedOut"] = True
    except BaseException as error:
        outcome["error"] = traceback.format_exception_only(type(error), error)[-1].strip()
    finally:
        signal.alarm(0)
    results.append(outcome)
print(json.dumps(results))
`;

/**
 * The graph programs' tests are code, not JSON: the issue quotes the shortest test function that fails on
 * the buggy program, run by itself with pytest, and what it does (pytest's one-line failure, or a hang).
 */
function graphIssue(name: string, file: string, repo: string, task: string): string {
  const dir = merged(repo, join(task, 'hidden'));
  try {
    const testFile = `python_testcases/test_${name}.py`;
    const functions = JSON.parse(
      execFileSync('python3', ['-c', TEST_FUNCTIONS, join(dir, testFile)], { encoding: 'utf8' }),
    ) as Array<{ name: string; source: string }>;
    const failures = functions
      .map((test) => ({ test, failure: runOneTest(dir, `${testFile}::${test.name}`) }))
      .filter((entry): entry is { test: { name: string; source: string }; failure: string } =>
        Boolean(entry.failure),
      )
      .sort((a, b) => a.test.source.length - b.test.source.length);
    const first = failures[0];
    if (!first) throw new Error(`${name}: no test fails on the buggy program`);
    const hangs = first.failure === 'hang';
    const wrong = /^(assert|AssertionError)/.test(first.failure);
    const problem = hangs ? 'never returns for some graphs' : wrong ? 'gives the wrong answer' : 'crashes';
    return `# \`${name}\` ${problem}

\`${name}\` in \`${file}\` does not work. This check fails with it (\`Node\` is a small class with
\`value\`, \`successor\`, \`successors\`, \`predecessors\`, \`incoming_nodes\` and \`outgoing_nodes\`,
like \`python_programs/node.py\`):

\`\`\`python
${first.test.source}
\`\`\`

${hangs ? `It does not finish within ${EXAMPLE_SECONDS} s.` : `It fails with:\n\n\`\`\`\n${first.failure}\n\`\`\``}
`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "" when the test passes, "hang" when it runs past the limit, else pytest's one-line reason. */
function runOneTest(dir: string, id: string): string {
  const run = spawnSync('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--tb=no', '-rf', id], {
    cwd: dir,
    encoding: 'utf8',
    // pytest cuts the summary line to the terminal's width: a wide one keeps the whole reason.
    env: { ...process.env, COLUMNS: '1000' },
    timeout: EXAMPLE_SECONDS * 1000,
    killSignal: 'SIGKILL',
  });
  if (run.error || run.signal) return 'hang';
  if (run.status === 0) return '';
  const line = run.stdout.split('\n').find((text) => text.startsWith('FAILED '));
  return line?.replace(/^FAILED \S+ - /, '').trim() || `pytest exit ${run.status}`;
}

// The top-level test functions of a test file, with their source.
const TEST_FUNCTIONS = `
import ast, json, sys
text = open(sys.argv[1]).read()
tree = ast.parse(text)
print(json.dumps([
    {"name": node.name, "source": ast.get_source_segment(text, node)}
    for node in tree.body
    if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
]))
`;

// ------------------------------------------------------------------------------------------ HumanEvalFix

interface HumanEvalTask {
  number: number;
  main: string;
  test: string;
}

function makeHumanEvalFix(out: string): void {
  const tasks = readHumanEvalFix(join(bench, 'humanevalfix-python', 'repo.bundle'));
  rmSync(out, { recursive: true, force: true });
  writeSuiteHeader(out, {
    name: 'humanevalfix-python',
    description:
      'HumanEvalFix, Python (HumanEvalPack): 164 functions with a bug each; test.py is the hidden test',
    licenceText: HUMANEVALPACK_LICENCE,
    source:
      'bigcode/humanevalpack, HumanEvalFix Python, as the SWE-bench-style repository bundle (one commit pair per task)',
  });
  const described = describeFunctions(tasks);
  for (const task of tasks) {
    const dir = join(out, 'tasks', `python-${String(task.number).padStart(3, '0')}`);
    mkdirSync(join(dir, 'repo'), { recursive: true });
    mkdirSync(join(dir, 'hidden'), { recursive: true });
    writeFileSync(join(dir, 'repo', 'main.py'), task.main);
    writeFileSync(join(dir, 'hidden', 'test.py'), task.test);
    writeJson(join(dir, 'task.json'), { test: 'python3 test.py', timeoutSeconds: 30 });
    const { name, docstring, head } = described[task.number]!;
    const what = docstring
      ? `What it should do, from its docstring:\n\n\`\`\`text\n${docstring}\n\`\`\``
      : `It starts like this:\n\n\`\`\`python\n${head}\n\`\`\``;
    writeFileSync(
      join(dir, 'issue.md'),
      `# Fix the bug in \`${name}\`\n\n\`${name}\` in \`main.py\` has a bug: it does not always give the right answer. ${what}\n`,
    );
  }
  console.error(`humanevalfix-python: ${tasks.length} tasks packaged`);
}

/** Each task's buggy main.py ("Task instance Python/N") and test.py ("... with tests"), from the bundle. */
function readHumanEvalFix(bundle: string): HumanEvalTask[] {
  const clone = mkdtempSync(join(tmpdir(), 'cw-humanevalfix-'));
  try {
    execFileSync('git', ['clone', '-q', bundle, clone], { stdio: ['ignore', 'ignore', 'ignore'] });
    const log = execFileSync('git', ['-C', clone, 'log', '--reverse', '--format=%H %s', 'main'], {
      encoding: 'utf8',
    });
    const show = (sha: string, file: string) =>
      execFileSync('git', ['-C', clone, 'show', `${sha}:${file}`], { encoding: 'utf8' });
    const mains = new Map<number, string>();
    const tasks: HumanEvalTask[] = [];
    for (const line of log.trim().split('\n')) {
      const match = /^(\w+) Task instance Python\/(\d+)( with tests)?$/.exec(line);
      if (!match) throw new Error(`unexpected commit in ${bundle}: ${line}`);
      const [, sha, number, withTests] = match;
      if (!withTests) mains.set(Number(number), show(sha!, 'main.py'));
      else
        tasks.push({ number: Number(number), main: mains.get(Number(number))!, test: show(sha!, 'test.py') });
    }
    return tasks.sort((a, b) => a.number - b.number);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

/** The function test.py imports from main.py, its docstring, and its first lines (for one without). */
function describeFunctions(
  tasks: HumanEvalTask[],
): Record<number, { name: string; docstring?: string; head: string }> {
  const input = JSON.stringify(tasks.map(({ number, main, test }) => ({ number, main, test })));
  const output = execFileSync('python3', ['-c', DESCRIBE], { input, encoding: 'utf8' });
  return JSON.parse(output) as Record<number, { name: string; docstring?: string; head: string }>;
}

const DESCRIBE = `
import ast, json, re, sys
described = {}
for task in json.load(sys.stdin):
    name = re.search(r"^from main import (\\w+)", task["test"], re.M).group(1)
    tree = ast.parse(task["main"])
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name)
    # A docstring after other statements (an import first, say) is still what the function should do.
    strings = [node.value.value for node in function.body
               if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]
    docstring = ast.get_docstring(function) or (strings and __import__("inspect").cleandoc(strings[0]))
    head = "\\n".join(task["main"].splitlines()[function.lineno - 1 : function.lineno + 2])
    described[task["number"]] = {"name": name, "head": head, **({"docstring": docstring} if docstring else {})}
print(json.dumps(described))
`;

// HumanEvalPack is published under the MIT licence; HumanEvalFix builds on OpenAI's HumanEval (MIT).
const HUMANEVALPACK_LICENCE = `HumanEvalFix (Python) is part of HumanEvalPack (bigcode/humanevalpack, "OctoPack: Instruction
Tuning Code Large Language Models", Muennighoff et al., 2023), released under the MIT licence. It is derived
from HumanEval (openai/human-eval), also released under the MIT licence.

MIT License

Copyright (c) 2023 BigCode
Copyright (c) 2021 OpenAI

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

// ------------------------------------------------------------------------------------------------ shared

function writeSuiteHeader(
  out: string,
  suite: { name: string; description: string; source: string; licenceFile?: string; licenceText?: string },
): void {
  mkdirSync(out, { recursive: true });
  if (suite.licenceFile) copy(suite.licenceFile, join(out, 'LICENSE'));
  else writeFileSync(join(out, 'LICENSE'), suite.licenceText ?? '');
  writeJson(join(out, 'suite.json'), {
    name: suite.name,
    description: suite.description,
    licence: 'LICENSE',
    source: suite.source,
  });
}

/** A temporary checkout: the snapshot with each overlay copied over it in turn. */
function merged(repo: string, ...overlays: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-eval-pack-'));
  cpSync(repo, dir, { recursive: true });
  for (const overlay of overlays) cpSync(overlay, dir, { recursive: true, force: true });
  return dir;
}

function copy(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// Last: the Python sources above are constants, defined only once the module body has run to here.
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (!only || only === 'quixbugs-python') makeQuixBugs(join(root, 'eval', 'quixbugs-python'));
if (!only || only === 'humanevalfix-python') makeHumanEvalFix(join(root, 'eval', 'humanevalfix-python'));
