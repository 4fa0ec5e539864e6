// Each ranking signal on its own, on hand-written issue texts and file lists: what it reads from the
// issue, which files it points at, and how strongly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDefinitionIndex,
  definitionSignals,
  relatedSymbols,
} from '../../worker/context/definition-signals.ts';
import {
  createImportGraph,
  importSignals,
  testedFileName,
  testToSourceSignals,
} from '../../worker/context/graph-signals.ts';
import { readIssueClues } from '../../worker/context/issue-clues.ts';
import { literalSignals } from '../../worker/context/literal-signals.ts';
import {
  createPathIndex,
  frameSignals,
  mentionSignals,
  nameWordSignals,
} from '../../worker/context/path-signals.ts';
import { createTextIndex, indexTerms, splitWords } from '../../worker/context/text-rank.ts';
import type { FileOutline } from '../../worker/context/types.ts';

const files = [
  'src/pkg/core/merge.py',
  'src/pkg/core/dataset.py',
  'src/pkg/io/merge.py',
  'src/pkg/__init__.py',
  'tests/core/test_merge.py',
  'lib/render.js',
];

describe('issue clues', () => {
  it('reads a Python traceback, innermost frame last', () => {
    const clues = readIssueClues(
      'Traceback (most recent call last):\n' +
        '  File "/home/me/venv/lib/python3.11/site-packages/pkg/core/dataset.py", line 120, in merge\n' +
        '    return merge_core(self, other)\n' +
        '  File "/home/me/venv/lib/python3.11/site-packages/pkg/core/merge.py", line 44, in merge_core\n' +
        'ValueError: bad\n',
    );
    assert.deepEqual(
      clues.frames.map((frame) => [frame.path.split('/').slice(-3).join('/'), frame.line, frame.function]),
      [
        ['pkg/core/dataset.py', 120, 'merge'],
        ['pkg/core/merge.py', 44, 'merge_core'],
      ],
    );
  });

  it('reads Node stack frames (innermost first, kept outermost first) with and without a function, and pytest failure lines', () => {
    const clues = readIssueClues(
      'TypeError: x is undefined\n    at render (/srv/app/lib/render.js:10:5)\n    at /srv/app/lib/main.js:3:1\n\n' +
        'tests/core/test_merge.py:80: AssertionError',
    );
    assert.deepEqual(
      clues.frames.map((frame) => [frame.path, frame.line, frame.function]),
      [
        ['/srv/app/lib/main.js', 3, undefined],
        ['/srv/app/lib/render.js', 10, 'render'],
        ['tests/core/test_merge.py', 80, undefined],
      ],
    );
  });

  it('takes identifiers from backticks and code, and from prose only when they look like code', () => {
    const clues = readIssueClues(
      'Calling `Dataset.merge` with compat fails.\n```python\nds.combine_first(other)\n```\n' +
        'The helper parse_url and the class UrlParser are involved, but ordinary words are not.',
    );
    const names = clues.identifiers.map((identifier) => identifier.name);
    for (const expected of ['merge', 'combine_first', 'parse_url', 'UrlParser'])
      assert.ok(names.includes(expected), expected);
    for (const word of ['ordinary', 'words', 'involved', 'helper']) assert.ok(!names.includes(word), word);
    const merge = clues.identifiers.find((identifier) => identifier.name === 'merge' && identifier.qualifier);
    assert.equal(merge?.qualifier, 'Dataset');
  });

  it('finds paths, module names and URL paths', () => {
    const clues = readIssueClues(
      'See https://github.com/someone/pkg/blob/abc123/src/pkg/core/merge.py#L641 and pkg.core.dataset; also lib/render.js.',
    );
    assert.ok(clues.paths.some((path) => path.endsWith('someone/pkg/blob/abc123/src/pkg/core/merge.py')));
    assert.ok(clues.paths.includes('lib/render.js'));
    assert.ok(clues.modules.includes('pkg.core.dataset'));
  });

  it('tells an issue about tests from one that only mentions a test', () => {
    assert.equal(readIssueClues('The test suite fails on Windows: flaky tests in CI').aboutTests, true);
    assert.equal(readIssueClues('Running my test with the plugin raises KeyError').aboutTests, false);
  });

  it('reads a 1 MB issue quickly and an issue with no usable words without error', () => {
    const started = performance.now();
    const huge = readIssueClues(`${'word '.repeat(100_000)}\`parse_url\`${'x'.repeat(500_000)}`);
    assert.ok(performance.now() - started < 2_000, 'bounded time on a 1 MB issue');
    assert.equal(huge.text.length <= 200_000, true);
    // Runs no regular expression can split: a path scanned from every position to the end was quadratic.
    for (const hostile of ['a'.repeat(200_000), `${'a-'.repeat(100_000)}_`, 'a/'.repeat(100_000)]) {
      const start = performance.now();
      readIssueClues(hostile);
      assert.ok(performance.now() - start < 2_000, `bounded time on ${hostile.slice(0, 6)}…`);
    }
    const empty = readIssueClues('!!! ??? ... 123 456');
    assert.deepEqual([empty.paths, empty.frames, empty.identifiers], [[], [], []]);
  });
});

describe('path signals', () => {
  const index = createPathIndex(files);

  it('matches a written path by its longest tail, and a bare name shared by two files at half weight', () => {
    assert.deepEqual(index.match('/abs/src/pkg/core/merge.py'), {
      paths: ['src/pkg/core/merge.py'],
      segments: 4,
    });
    const signals = mentionSignals(readIssueClues('the bug is in merge.py'), index);
    assert.deepEqual(signals.map((signal) => signal.path).sort(), [
      'src/pkg/core/merge.py',
      'src/pkg/io/merge.py',
    ]);
    const full = mentionSignals(readIssueClues('the bug is in core/merge.py'), index);
    assert.deepEqual(
      full.map((signal) => signal.path),
      ['src/pkg/core/merge.py'],
    );
    assert.ok((full[0]?.points ?? 0) > (signals[0]?.points ?? 0) * 2);
  });

  it('maps a dotted module name to its file', () => {
    const signals = mentionSignals(readIssueClues('importing pkg.core.dataset.Dataset fails'), index);
    assert.deepEqual(
      signals.map((signal) => signal.path),
      ['src/pkg/core/dataset.py'],
    );
  });

  it('maps frames from site-packages into the checkout, and marks the innermost', () => {
    const clues = readIssueClues(
      '  File "/usr/lib/python3/site-packages/pkg/core/dataset.py", line 1, in f\n' +
        '  File "/usr/lib/python3/site-packages/pkg/core/merge.py", line 2, in g\n' +
        '  File "<stdin>", line 1, in <module>\n',
    );
    const signals = frameSignals(clues.frames, index);
    const innermost = signals.find((signal) => signal.reason === 'innermost frame');
    assert.equal(innermost?.path, 'src/pkg/core/merge.py');
    assert.ok(signals.every((signal) => files.includes(signal.path)));
  });

  it('never points outside the inventory, whatever the issue writes', () => {
    const signals = mentionSignals(
      readIssueClues('read ../../../../etc/passwd.py and /etc/shadow.cfg'),
      index,
    );
    assert.deepEqual(signals, []);
  });
});

describe('definition signals', () => {
  const outlines = new Map<string, FileOutline>([
    [
      'a.py',
      {
        imports: [],
        symbols: [
          { name: 'Dataset', kind: 'class', startLine: 1, endLine: 50 },
          { name: 'merge', kind: 'method', parent: 'Dataset', startLine: 10, endLine: 20 },
        ],
      },
    ],
    ['b.py', { imports: [], symbols: [{ name: 'merge', kind: 'function', startLine: 1, endLine: 5 }] }],
    ['c.py', { imports: [], symbols: [{ name: 'parse_url', kind: 'function', startLine: 3, endLine: 9 }] }],
  ]);
  const index = createDefinitionIndex(outlines);

  it('points at the one file defining a name, and at the class for a qualified name', () => {
    const clues = readIssueClues('`parse_url` breaks, and so does `Dataset.merge`');
    const signals = definitionSignals(clues.identifiers, index);
    const byPath = (path: string) =>
      signals.filter((signal) => signal.path === path).reduce((sum, s) => sum + s.points, 0);
    assert.ok(byPath('c.py') > 0);
    assert.ok(byPath('a.py') > byPath('b.py'), 'the qualified match outweighs the bare name');
  });

  it('picks the related definitions of a file: named, holding a frame line, or sharing words', () => {
    const symbols = outlines.get('a.py')?.symbols ?? [];
    const related = relatedSymbols(symbols, new Set(['Dataset.merge']), [], new Set(), 5);
    assert.deepEqual(
      related.map((symbol) => symbol.name),
      ['merge'],
    );
    const byLine = relatedSymbols(symbols, new Set(), [15], new Set(), 5);
    assert.equal(byLine[0]?.name, 'merge');
  });
});

describe('graph signals', () => {
  it('names the source file a test file tests, by the usual conventions', () => {
    assert.equal(testedFileName('tests/test_merge.py'), 'merge.py');
    assert.equal(testedFileName('pkg/merge_test.go'), 'merge.go');
    assert.equal(testedFileName('src/render.test.ts'), 'render.ts');
    assert.equal(testedFileName('src/render.spec.jsx'), 'render.jsx');
    assert.equal(testedFileName('src/FooTest.java'), 'Foo.java');
    assert.equal(testedFileName('src/render.ts'), undefined);
  });

  it('passes a test file score to the source it tests, the one whose directories match best', () => {
    const byName = new Map([['merge.py', ['src/pkg/io/merge.py', 'src/pkg/core/merge.py']]]);
    const signals = testToSourceSignals(new Map([['tests/core/test_merge.py', 6]]), byName);
    assert.deepEqual(signals, [
      { path: 'src/pkg/core/merge.py', points: 3, reason: 'tested by tests/core/test_merge.py' },
    ]);
  });

  it('spreads a share of a strong file score to its import neighbours, both ways', () => {
    const outlines = new Map<string, FileOutline>([
      ['a.py', { symbols: [], imports: ['b'] }],
      ['c.py', { symbols: [], imports: ['a'] }],
    ]);
    const graph = createImportGraph(outlines, (_from, specifier) => `${specifier}.py`);
    const signals = importSignals(new Map([['a.py', 8]]), graph);
    assert.deepEqual(signals.map((signal) => signal.path).sort(), ['b.py', 'c.py']);
    assert.ok(signals.every((signal) => signal.points > 0 && signal.points < 8));
  });
});

describe('text relevance', () => {
  it('splits identifiers into their words', () => {
    assert.deepEqual(splitWords('parse_url ChainedException'), [
      'parse_url',
      'parse',
      'url',
      'ChainedException',
      'Chained',
      'Exception',
    ]);
  });

  it('ranks the file whose words, path and definitions match the issue first', () => {
    const scores = createTextIndex([
      {
        path: 'src/serialize.py',
        names: 'serialize_exception chain',
        content: 'def serialize_exception(): chain of exceptions',
      },
      { path: 'src/colors.py', names: 'paint', content: 'def paint(): colours for the terminal' },
    ]).scores('exception serialization should include chained exceptions');
    assert.ok((scores.get('src/serialize.py') ?? 0) > (scores.get('src/colors.py') ?? 0));
    assert.equal(createTextIndex([{ path: 'a.py', names: '', content: 'x' }]).scores('!!! ...').size, 0);
  });
});

describe('clues that the benchmark taught (each a general rule)', () => {
  it('drops an environment report, keeps the prose around it', () => {
    const clues = readIssueClues(
      'Merging fails.\n\nINSTALLED VERSIONS\n------------------\npython: 3.10.4\nnumpy: 1.22.0\n' +
        'pandas: 1.4.2\nscipy: 1.8.0\nmatplotlib: 3.5.1\nsetuptools: 62.1.0\n\nThe merge keeps no attrs.',
    );
    assert.match(clues.text, /Merging fails/);
    assert.match(clues.text, /keeps no attrs/);
    assert.doesNotMatch(clues.text, /numpy|scipy|setuptools/);
    const short = readIssueClues('Steps:\nmode: fast\nlevel: 2\n');
    assert.match(short.text, /mode: fast/, 'a short run of key: value lines is prose, not a dump');
  });

  it('reads IPython frames (File path:line, in Class.method)', () => {
    const clues = readIssueClues(
      'File ~/envs/dev/lib/python3.9/site-packages/pkg/core/merge.py:2095, in Merger.run(self)\n',
    );
    assert.deepEqual(
      clues.frames.map((frame) => [frame.path.split('/').slice(-3).join('/'), frame.line, frame.function]),
      [['pkg/core/merge.py', 2095, 'run']],
    );
  });

  it('takes the title as the first line', () => {
    assert.equal(
      readIssueClues('\n  quantile ignores keep_attrs\n\nbody text').title,
      'quantile ignores keep_attrs',
    );
  });

  it('marks alias.name as a module function when the issue code imports the alias', () => {
    const clues = readIssueClues(
      '```python\nimport pkg as pk\nds = load()\npk.where(cond, ds)\nds.where(cond)\n```',
    );
    const moduleWhere = clues.identifiers.find((identifier) => identifier.qualifier === 'pk');
    const methodWhere = clues.identifiers.find((identifier) => identifier.qualifier === 'ds');
    assert.equal(moduleWhere?.ofModule, true);
    assert.equal(methodWhere?.ofModule, undefined);
  });
});

describe('quoted names and shell sessions', () => {
  it('reads hyphenated names without their dashes, and not from links or short words', () => {
    const clues = readIssueClues(
      'Pylint ignores `--ignore-paths` and reports unused-import (see https://example.org/docs/ignore-paths-help).\n' +
        'An x-y pair or a co-op is no name.',
    );
    assert.deepEqual(clues.literals, ['ignore-paths', 'unused-import']);
  });

  it('points at the few source files holding a quoted name verbatim, whole names only', () => {
    const file = (path: string, text: string) => ({ path, text, size: text.length });
    const signals = literalSignals(
      ['ignore-paths', 'line-too-long'],
      [
        file('lint/options.py', '("ignore-paths", {"type": "regexp_paths_csv"})'),
        file('lint/expand.py', 'ignore_paths_re = "ignore-paths-re"'),
        ...Array.from({ length: 7 }, (_, at) => file(`checkers/c${at}.py`, 'msgs = {"line-too-long": ...}')),
      ],
    );
    assert.deepEqual(
      signals.map((signal) => [signal.path, signal.reason]),
      [['lint/options.py', 'holds "ignore-paths"']],
      'the longer name is another name, and one held by seven files is vocabulary',
    );
  });

  it("takes a command-line option's name for no identifier, but a name after a minus sign still", () => {
    const clues = readIssueClues(
      'Run `pylint --recursive=y --help` or `pytest -x`, and `width-max_len(cols)` is negative.',
    );
    const names = clues.identifiers.map((identifier) => identifier.name);
    assert.ok(!names.includes('recursive') && !names.includes('help'));
    assert.ok(names.includes('pylint'));
    assert.ok(names.includes('max_len'));
  });

  it('reads a shell session or a log like prose: no plain-word commands, but the code names it prints', () => {
    const clues = readIssueClues(
      '```sh\nmkdir foobar && tox -e py37\n```\n' +
        "```console\n$ tox\nAttributeError: 'Session' object has no attribute 'collect_things'\n```\n" +
        '```python\nrun_collection(session)\n```',
    );
    const names = clues.identifiers.map((identifier) => identifier.name);
    assert.ok(names.includes('run_collection'));
    assert.ok(names.includes('collect_things'), 'a name an error prints');
    for (const name of ['mkdir', 'foobar', 'tox']) assert.ok(!names.includes(name), name);
    assert.match(clues.text, /mkdir foobar/, 'the session still counts as words');
  });
});

describe('ranking rules that the benchmark taught (each a general rule)', () => {
  const outlines = new Map<string, FileOutline>([
    [
      'core/api.py',
      { imports: [], symbols: [{ name: 'where', kind: 'function', startLine: 1, endLine: 9 }] },
    ],
    [
      'core/frame.py',
      {
        imports: [],
        symbols: [
          { name: 'Frame', kind: 'class', startLine: 1, endLine: 90 },
          { name: 'where', kind: 'method', parent: 'Frame', startLine: 10, endLine: 12 },
        ],
      },
    ],
  ]);
  const index = createDefinitionIndex(outlines);
  const pointsFor = (signals: Array<{ path: string; points: number }>, path: string) =>
    signals.filter((signal) => signal.path === path).reduce((sum, signal) => sum + signal.points, 0);

  it("sends a module's alias.name to the module-level definition, not the method", () => {
    const clues = readIssueClues('```python\nimport core as c\nc.where(x, y)\n```');
    const signals = definitionSignals(clues.identifiers, index);
    assert.ok(pointsFor(signals, 'core/api.py') > pointsFor(signals, 'core/frame.py'));
  });

  it('counts a bare class name, and a name common in the checkout, for less', () => {
    const clues = readIssueClues('`Frame` and `where`');
    const plain = definitionSignals(clues.identifiers, index);
    const classPoints = plain.find((signal) => signal.reason === 'defines Frame')?.points ?? 0;
    const wherePoints =
      plain.find((signal) => signal.reason === 'defines where' && signal.path === 'core/api.py')?.points ?? 0;
    assert.ok(classPoints < wherePoints, 'the class counts half');
    const common = definitionSignals(clues.identifiers, index, (name) => (name === 'where' ? 0.1 : 1));
    assert.ok(pointsFor(common, 'core/api.py') < pointsFor(plain, 'core/api.py') / 5);
  });

  it('gives each further name one file defines less than the first', () => {
    const many = new Map<string, FileOutline>([
      [
        'big.py',
        {
          imports: [],
          symbols: ['alpha_one', 'beta_two', 'gamma_three'].map((name, at) => ({
            name,
            kind: 'function' as const,
            startLine: at + 1,
            endLine: at + 1,
          })),
        },
      ],
    ]);
    const signals = definitionSignals(
      readIssueClues('`alpha_one` `beta_two` `gamma_three`').identifiers,
      createDefinitionIndex(many),
    );
    const points = signals.map((signal) => signal.points).sort((a, b) => b - a);
    assert.ok(points[0]! > points[1]! && points[1]! > points[2]!);
  });

  it('maps a frame in an installed copy of a checkout package to its source', () => {
    const paths = [
      'packages/core/src/transform.ts',
      'packages/core/package.json',
      'packages/other/src/transform.ts',
    ];
    const pathIndex = createPathIndex(paths, new Map([['@scope/core', 'packages/core']]));
    assert.deepEqual(pathIndex.match('/app/node_modules/@scope/core/lib/transform.js').paths, [
      'packages/core/src/transform.ts',
    ]);
    // Without the package map the built file matches nothing: the source is .ts under src/.
    assert.deepEqual(
      createPathIndex(paths).match('/app/node_modules/@scope/core/lib/transform.js').paths,
      [],
    );
  });

  it('points at a file whose name the title uses, more than one the body uses, diluted by rarity', () => {
    const paths = ['pkg/auth.py', 'pkg/models.py', 'pkg/sessions.py'];
    const words = (text: string) => new Set(text.toLowerCase().split(/\W+/));
    const signals = nameWordSignals(
      paths,
      words('digest auth quoting'),
      words('sessions send auth headers'),
      (name) => [name],
      () => 1,
    );
    assert.ok(pointsFor(signals, 'pkg/auth.py') > pointsFor(signals, 'pkg/sessions.py'));
    assert.ok(pointsFor(signals, 'pkg/sessions.py') > 0);
    assert.equal(pointsFor(signals, 'pkg/models.py'), 0);
    const common = nameWordSignals(
      paths,
      words('auth'),
      words(''),
      (name) => [name],
      () => 0.1,
    );
    assert.ok(pointsFor(common, 'pkg/auth.py') < pointsFor(signals, 'pkg/auth.py') / 5);
  });
});

describe('spreading and prefixes', () => {
  it('a hub receives less from a strong neighbour than a file with few imports does', () => {
    const outlines = new Map<string, FileOutline>([
      ['strong.py', { symbols: [], imports: ['helper', 'hub'] }],
      ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((name): [string, FileOutline] => [
        `${name}.py`,
        { symbols: [], imports: ['hub'] },
      ]),
    ]);
    const graph = createImportGraph(outlines, (_from, specifier) => `${specifier}.py`);
    const signals = importSignals(new Map([['strong.py', 8]]), graph);
    const points = (path: string) => signals.find((signal) => signal.path === path)?.points ?? 0;
    assert.ok(points('helper.py') > 0);
    assert.ok(points('hub.py') < points('helper.py') / 1.2, 'the hub (11 neighbours) gets less');
  });

  it('a title word finds the longer words it begins only when asked to', () => {
    const index = createTextIndex([
      { path: 'src/setup.py', names: 'configure_logging', content: 'def configure_logging(): ...' },
      { path: 'src/other.py', names: 'paint', content: 'def paint(): colours' },
    ]);
    assert.equal(index.scores('config').has('src/setup.py'), false);
    assert.equal(index.scores('config', 6).has('src/setup.py'), true);
  });

  it('"-izable", "-ization" and "-ize" words are one term', () => {
    const [able, ation, ize] = ['serializable', 'serialization', 'serialize'].map((word) => indexTerms(word));
    assert.deepEqual(able, ation);
    assert.deepEqual(ize, ation);
    assert.deepEqual(
      indexTerms('realize'),
      indexTerms('realization'),
      'a short root keeps its "iz" in all forms',
    );
  });

  it("scores plain BM25: the file holding the issue's one rare word beats one holding many of its common ones", () => {
    const common = 'alpha beta gamma delta epsilon zeta theta kappa';
    const filler = Array.from({ length: 20 }, (_, at) => ({
      path: `src/f${at}.py`,
      names: '',
      content: common,
    }));
    const scores = createTextIndex([
      ...filler,
      { path: 'src/wide.py', names: '', content: `${common} ${common}` },
      { path: 'src/rare.py', names: '', content: 'the quaternion lives here' },
    ]).scores(`${common} quaternion`);
    // MiniSearch alone multiplies each score by the query terms matched: eight against one.
    assert.ok((scores.get('src/rare.py') ?? 0) > (scores.get('src/wide.py') ?? 0));
  });
});
