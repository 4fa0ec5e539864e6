import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EditReply, parseEditReply } from '../../worker/agent/edits/edit-reply.ts';

const FIXED = 'def add(a, b):\n    return a + b\n';
const fence = (info: string, body: string) => `\`\`\`${info}\n${body}\`\`\``;

function wholeEdits(reply: EditReply) {
  assert.equal(reply.kind, 'edits', JSON.stringify(reply));
  return reply.kind === 'edits' ? reply.edits : [];
}

function problemOf(reply: EditReply) {
  assert.equal(reply.kind, 'invalid', JSON.stringify(reply));
  return reply.kind === 'invalid' ? reply.problem : undefined;
}

describe('edit replies: whole files', () => {
  const shown = ['src/calc.py', 'src/util.py'];

  it('reads the path line in every decoration small models use', () => {
    const pathLines = [
      'src/calc.py',
      '`src/calc.py`',
      '**src/calc.py**',
      '**src/calc.py:**',
      '`src/calc.py`:',
      '# src/calc.py',
      '### src/calc.py',
      '### File: src/calc.py',
      '**File:** `src/calc.py`',
      'src/calc.py:',
    ];
    for (const pathLine of pathLines) {
      const reply = `Here is the fixed file.\n\n${pathLine}\n${fence('python', FIXED)}\n`;
      assert.deepEqual(
        parseEditReply(reply, { shownPaths: shown }),
        { kind: 'edits', edits: [{ kind: 'whole', path: 'src/calc.py', content: FIXED }], notes: [] },
        pathLine,
      );
    }
  });

  it('reads the path from the fence info string', () => {
    for (const info of [
      'python src/calc.py',
      'src/calc.py',
      'python title="src/calc.py"',
      'python:src/calc.py',
    ]) {
      const reply = `The bug was the minus sign.\n${fence(info, FIXED)}`;
      assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
        { kind: 'whole', path: 'src/calc.py', content: FIXED },
      ]);
    }
  });

  it('reads the path from a first-line comment and leaves that comment out of the content', () => {
    const reply = fence('python', `# src/calc.py\n${FIXED}`);
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'whole', path: 'src/calc.py', content: FIXED },
    ]);
    const js = fence('javascript', '// lib/index.js\nexport const one = 1;\n');
    assert.deepEqual(wholeEdits(parseEditReply(js, { shownPaths: ['lib/index.js'] })), [
      { kind: 'whole', path: 'lib/index.js', content: 'export const one = 1;\n' },
    ]);
  });

  it('reads a labelled path in a first-line comment', () => {
    const reply = fence('python', `# File: src/util.py\n${FIXED}`);
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'whole', path: 'src/util.py', content: FIXED },
    ]);
  });

  it('takes the one shown file a sentence names when no block has a path line', () => {
    const reply = `Here is the updated \`calc.py\` with the fix:\n${fence('python', FIXED)}`;
    const parsed = parseEditReply(reply, { shownPaths: shown });
    assert.deepEqual(wholeEdits(parsed), [{ kind: 'whole', path: 'src/calc.py', content: FIXED }]);
    assert.deepEqual(parsed.kind === 'edits' && parsed.notes, [
      'no path line: used src/calc.py, named in the sentence before the block',
    ]);
    const both = `I changed src/calc.py and src/util.py:\n${fence('python', FIXED)}`;
    assert.equal(problemOf(parseEditReply(both, { shownPaths: shown })), 'no-path');
  });

  it('keeps a shebang or an ordinary first comment as code', () => {
    const reply = `scripts/run.sh\n${fence('sh', '#!/bin/sh\n# run the tests\nexec pytest\n')}`;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: ['scripts/run.sh'] })), [
      { kind: 'whole', path: 'scripts/run.sh', content: '#!/bin/sh\n# run the tests\nexec pytest\n' },
    ]);
  });

  it('takes a bare file name as the shown file it names', () => {
    const reply = `calc.py\n${fence('python', FIXED)}`;
    const parsed = parseEditReply(reply, { shownPaths: shown });
    assert.deepEqual(wholeEdits(parsed), [{ kind: 'whole', path: 'src/calc.py', content: FIXED }]);
    assert.deepEqual(parsed.kind === 'edits' && parsed.notes, ['calc.py taken as src/calc.py']);
  });

  it('uses the only shown file when the path is missing, and says so', () => {
    const reply = `Sure! Here is the corrected code:\n\n${fence('python', FIXED)}\n\nThis fixes the bug.`;
    assert.deepEqual(parseEditReply(reply, { shownPaths: ['src/calc.py'] }), {
      kind: 'edits',
      edits: [{ kind: 'whole', path: 'src/calc.py', content: FIXED }],
      notes: ['no path given: used src/calc.py, the only file shown'],
    });
    assert.equal(problemOf(parseEditReply(reply, { shownPaths: shown })), 'no-path');
  });

  it('edits several files in one reply and creates a new one', () => {
    const reply = [
      'I will fix the function and add a test.',
      '',
      'src/calc.py',
      fence('python', FIXED),
      '',
      'tests/test_calc.py',
      fence('python', 'from src.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n'),
    ].join('\n');
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'whole', path: 'src/calc.py', content: FIXED },
      {
        kind: 'whole',
        path: 'tests/test_calc.py',
        content: 'from src.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n',
      },
    ]);
  });

  it('drops English sentences at the edges of a code fence, never code or text files', () => {
    const reply = `src/calc.py\n${fence('python', `Here is the fixed code:\n\n${FIXED}\nThis should work now.\n`)}`;
    const parsed = parseEditReply(reply, { shownPaths: shown });
    assert.deepEqual(wholeEdits(parsed), [{ kind: 'whole', path: 'src/calc.py', content: FIXED }]);
    assert.equal(parsed.kind === 'edits' && parsed.notes.length, 2);
    const readme = 'Usage notes for the tool.\n\nRun it with the config file.\n';
    assert.deepEqual(
      wholeEdits(parseEditReply(`README.md\n${fence('markdown', readme)}`, { shownPaths: [] })),
      [{ kind: 'whole', path: 'README.md', content: readme }],
    );
    const code = 'class Calc:\n    """Adds numbers."""\n';
    assert.deepEqual(
      wholeEdits(parseEditReply(`src/calc.py\n${fence('python', code)}`, { shownPaths: shown })),
      [{ kind: 'whole', path: 'src/calc.py', content: code }],
    );
  });

  it('ignores prose around the fence and a shell block without a path', () => {
    const reply = [
      'The problem is that `add` subtracts. Let me fix it.',
      'src/calc.py',
      fence('python', FIXED),
      'You can test it with:',
      fence('bash', 'python -m pytest\n'),
      'Let me know if you need anything else!',
    ].join('\n');
    const parsed = parseEditReply(reply, { shownPaths: shown });
    assert.deepEqual(wholeEdits(parsed), [{ kind: 'whole', path: 'src/calc.py', content: FIXED }]);
    assert.deepEqual(parsed.kind === 'edits' && parsed.notes, ['ignored a bash block without a path']);
  });

  it('strips the indentation of a fence inside a list item', () => {
    const reply =
      '1. Update the file:\n\n   src/calc.py\n   ```python\n   def add(a, b):\n       return a + b\n   ```\n';
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'whole', path: 'src/calc.py', content: FIXED },
    ]);
  });
});

describe('edit replies: SEARCH/REPLACE', () => {
  const shown = ['app/models.py', 'app/views.py'];
  const section = (
    search: string,
    replace: string,
    marks = ['<<<<<<< SEARCH', '=======', '>>>>>>> REPLACE'],
  ) => `${marks[0]}\n${search}\n${marks[1]}\n${replace}\n${marks[2]}\n`;

  it('reads one fenced block with several sections', () => {
    const reply = [
      'app/models.py',
      '```python',
      section(
        '    def total(self):\n        return sum(self.items)',
        '    def total(self):\n        return sum(self.items) + self.tax',
      ),
      section('    tax = 0', '    tax = 0.2'),
      '```',
    ].join('\n');
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      {
        kind: 'replace',
        path: 'app/models.py',
        blocks: [
          {
            search: '    def total(self):\n        return sum(self.items)',
            replace: '    def total(self):\n        return sum(self.items) + self.tax',
          },
          { search: '    tax = 0', replace: '    tax = 0.2' },
        ],
      },
    ]);
  });

  it('tolerates 5 to 9 marker characters, trailing spaces and lower case', () => {
    const reply = `app/views.py\n\`\`\`\n${section('x = 1', 'x = 2', ['<<<<< SEARCH  ', '=========', '>>>>>>>>> replace '])}\`\`\``;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'replace', path: 'app/views.py', blocks: [{ search: 'x = 1', replace: 'x = 2' }] },
    ]);
  });

  it('reads sections without a fence, and a stray closing fence after them', () => {
    const reply = `app/views.py\n${section('x = 1', 'x = 2')}\n${section('y = 1', 'y = 2')}\`\`\`\nDone.`;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      {
        kind: 'replace',
        path: 'app/views.py',
        blocks: [
          { search: 'x = 1', replace: 'x = 2' },
          { search: 'y = 1', replace: 'y = 2' },
        ],
      },
    ]);
  });

  it('reads the path written inside the fence before the first marker', () => {
    const reply = `\`\`\`python\napp/views.py\n${section('x = 1', 'x = 2')}\`\`\``;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'replace', path: 'app/views.py', blocks: [{ search: 'x = 1', replace: 'x = 2' }] },
    ]);
  });

  it('keeps a fence line that is part of the searched code', () => {
    const reply = `guide/usage.md\n\`\`\`markdown\n${section('```\npip install x\n```', '```\npip install x==2\n```')}\`\`\``;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: [] })), [
      {
        kind: 'replace',
        path: 'guide/usage.md',
        blocks: [{ search: '```\npip install x\n```', replace: '```\npip install x==2\n```' }],
      },
    ]);
  });

  it('adds up fences for the same file and keeps an empty SEARCH (a new file)', () => {
    const reply = [
      'app/models.py',
      `\`\`\`python\n${section('a = 1', 'a = 2')}\`\`\``,
      'And the second change:',
      `\`\`\`python\n${section('b = 1', 'b = 2')}\`\`\``,
      'app/forms.py',
      `\`\`\`python\n${section('', 'class Form:\n    pass')}\`\`\``,
    ].join('\n');
    const parsed = parseEditReply(reply, { shownPaths: shown });
    assert.deepEqual(wholeEdits(parsed), [
      {
        kind: 'replace',
        path: 'app/models.py',
        blocks: [
          { search: 'a = 1', replace: 'a = 2' },
          { search: 'b = 1', replace: 'b = 2' },
        ],
      },
      { kind: 'replace', path: 'app/forms.py', blocks: [{ search: '', replace: 'class Form:\n    pass' }] },
    ]);
    assert.deepEqual(parsed.kind === 'edits' && parsed.notes, [
      'SEARCH/REPLACE block without a path: used app/models.py from the block before',
    ]);
  });

  it('flags markers in the wrong order', () => {
    const cases = [
      `app/views.py\n\`\`\`\n<<<<<<< SEARCH\nx = 1\n>>>>>>> REPLACE\n\`\`\``,
      `app/views.py\n\`\`\`\n=======\nx = 2\n>>>>>>> REPLACE\n\`\`\``,
      `app/views.py\n\`\`\`\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n<<<<<<< SEARCH\ny = 1\n=======\ny = 2\n>>>>>>> REPLACE\n\`\`\``,
      `app/views.py\n\`\`\`\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n\`\`\`\nThat is all.`,
    ];
    for (const reply of cases)
      assert.equal(problemOf(parseEditReply(reply, { shownPaths: shown })), 'malformed-markers', reply);
  });

  it('flags a REPLACE that leaves out lines its SEARCH had', () => {
    const reply = `app/models.py\n\`\`\`python\n${section('class Cart:\n    items = []\n    tax = 0', 'class Cart:\n    # ... existing code ...\n    tax = 0.2')}\`\`\``;
    assert.deepEqual(parseEditReply(reply, { shownPaths: shown }), {
      kind: 'invalid',
      problem: 'elided',
      detail: '# ... existing code ...',
    });
  });
});

describe('edit replies: problems', () => {
  const shown = ['pkg/core.py', 'pkg/cli.py'];

  it('empty', () => {
    assert.equal(problemOf(parseEditReply('  \n\n', { shownPaths: shown })), 'empty');
    assert.equal(problemOf(parseEditReply('pkg/core.py\n```python\n\n```', { shownPaths: shown })), 'empty');
  });

  it('no-fence, also in another language', () => {
    assert.equal(
      problemOf(
        parseEditReply('The bug is in pkg/core.py, the loop should start at 1.', { shownPaths: shown }),
      ),
      'no-fence',
    );
    assert.equal(
      problemOf(parseEditReply('这个问题是由于循环从零开始造成的。', { shownPaths: shown })),
      'no-fence',
    );
    assert.equal(
      problemOf(parseEditReply('To run it:\n```bash\npytest\n```', { shownPaths: shown })),
      'no-fence',
    );
  });

  it('tool-call', () => {
    const calls = [
      '{"name": "edit_file", "arguments": {"path": "pkg/core.py", "content": "x = 1"}}',
      '<tool_call>\n{"name": "write_file", "arguments": {"file": "pkg/core.py"}}\n</tool_call>',
      '```json\n{"tool": "replace_in_file", "path": "pkg/core.py"}\n```',
      'I will call the tool: [{"function": {"name": "apply_patch", "arguments": "{}"}}]',
    ];
    for (const call of calls)
      assert.equal(problemOf(parseEditReply(call, { shownPaths: shown })), 'tool-call', call);
    // A JSON file with a path is an edit, whatever it holds.
    const config = 'config/tool.json\n```json\n{"name": "x", "arguments": []}\n```';
    assert.equal(wholeEdits(parseEditReply(config, { shownPaths: shown }))[0]?.path, 'config/tool.json');
  });

  it('bad-path names the path', () => {
    const paths = [
      '/etc/passwd',
      '../outside.py',
      'pkg/../../x.py',
      'pkg\\..\\x.py',
      '~/.bashrc',
      'C:/x.py',
      '.git/hooks/pre-commit',
      'pkg/.GIT/config',
      'pkg/',
      'pkg/\u202ecore.py',
    ];
    for (const path of paths) {
      const reply = parseEditReply(`${path}\n${fence('python', 'x = 1\n')}`, { shownPaths: shown });
      assert.equal(problemOf(reply), 'bad-path', path);
      assert.ok(
        reply.kind === 'invalid' && reply.detail.includes(path),
        reply.kind === 'invalid' ? reply.detail : '',
      );
    }
    const nul = parseEditReply(`${fence('python pkg/co\u0000re.py', 'x = 1\n')}`, { shownPaths: shown });
    assert.equal(problemOf(nul), 'bad-path');
  });

  it('several-fences for one path', () => {
    const reply = `pkg/core.py\n${fence('python', 'x = 1\n')}\nOr better:\npkg/core.py\n${fence('python', 'x = 2\n')}`;
    assert.deepEqual(parseEditReply(reply, { shownPaths: shown }), {
      kind: 'invalid',
      problem: 'several-fences',
      detail: 'pkg/core.py',
    });
    const before = `Original:\n${fence('python', 'x = 0\n')}\nFixed:\n${fence('python', 'x = 1\n')}`;
    assert.equal(problemOf(parseEditReply(before, { shownPaths: ['pkg/core.py'] })), 'several-fences');
  });

  it('elided, unless the file already has that comment', () => {
    const content = 'def pad(text):\n    # ...\n    return text.ljust(8)\n';
    const reply = `pkg/core.py\n${fence('python', content)}`;
    assert.equal(problemOf(parseEditReply(reply, { shownPaths: shown })), 'elided');
    const read = (path: string) =>
      path === 'pkg/core.py' ? 'def pad(text):\n    # ...\n    return text\n' : undefined;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown, read })), [
      { kind: 'whole', path: 'pkg/core.py', content },
    ]);
  });

  it('elided whole file', () => {
    const reply = `pkg/core.py\n${fence('python', 'import os\n\n# ... rest of the file unchanged ...\n\ndef run():\n    return 1\n')}`;
    assert.deepEqual(parseEditReply(reply, { shownPaths: shown }), {
      kind: 'invalid',
      problem: 'elided',
      detail: '# ... rest of the file unchanged ...',
    });
  });

  it('truncated: a fence or a section cut off at the reply limit', () => {
    const cut = ['pkg/core.py\n```python\ndef run():\n    for i in range(', 'pkg/cli.py\n```python'];
    for (const reply of cut)
      assert.equal(problemOf(parseEditReply(reply, { shownPaths: shown })), 'truncated');
    const section = 'pkg/core.py\n```python\n<<<<<<< SEARCH\ndef run():\n=======\ndef run(n):\n    for i in';
    assert.equal(problemOf(parseEditReply(section, { shownPaths: shown })), 'truncated');
    const unfenced = 'pkg/core.py\n<<<<<<< SEARCH\ndef run():\n    return 1\n=======';
    assert.equal(problemOf(parseEditReply(unfenced, { shownPaths: shown })), 'truncated');
  });

  it('accepts complete sections whose closing fence was cut off', () => {
    const reply = 'pkg/core.py\n```python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n';
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: shown })), [
      { kind: 'replace', path: 'pkg/core.py', blocks: [{ search: 'x = 1', replace: 'x = 2' }] },
    ]);
  });

  it('a whole Markdown file with fences of its own is read to its real end', () => {
    const readme = '# Demo\n\nInstall:\n\n```bash\nnpm i foo\n```\n\nThen run it.\n';
    const reply = `README.md\n\`\`\`markdown\n${readme}\`\`\`\n`;
    assert.deepEqual(wholeEdits(parseEditReply(reply, { shownPaths: ['README.md'] })), [
      { kind: 'whole', path: 'README.md', content: readme },
    ]);
  });

  it('diff instead of an edit', () => {
    const reply =
      'pkg/core.py\n```diff\n--- a/pkg/core.py\n+++ b/pkg/core.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n```';
    assert.equal(problemOf(parseEditReply(reply, { shownPaths: shown })), 'diff');
    const untagged = 'pkg/core.py\n```\n--- pkg/core.py\n+++ pkg/core.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n```';
    assert.equal(problemOf(parseEditReply(untagged, { shownPaths: shown })), 'diff');
  });
});
