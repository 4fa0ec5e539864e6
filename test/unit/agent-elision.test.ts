import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findElision } from '../../worker/agent/edits/elision.ts';

describe('elision: a comment standing for left-out lines', () => {
  it('finds the placeholder comments small models write', () => {
    const lines = [
      '# ... rest of the file unchanged ...',
      '    // ... existing code ...',
      '/* ... */',
      '# rest of code remains the same',
      '// (unchanged)',
      '<!-- ... -->',
      '    # ... (other methods) ...',
      '# ...',
      '    # Rest of the class remains unchanged',
      '// existing code here',
      '-- ... rest of the query ...',
      '; ...',
      '        {/* ... existing markup ... */}',
      '# other methods remain the same',
      '# Code omitted for brevity',
      '    ...  # rest of the function',
      '... (rest of the code remains the same)',
      '# The rest of the implementation stays the same as before',
      '    # ... keep the previous helpers ...',
    ];
    for (const line of lines) {
      const content = `import os\n\n\ndef main():\n${line}\n    return 0\n`;
      assert.equal(findElision(content), line.trim(), line);
    }
  });

  it('returns the first offending line of a realistic whole-file reply', () => {
    const content = [
      'class Stack:',
      '    def __init__(self):',
      '        self.items = []',
      '',
      '    def push(self, item):',
      '        self.items.append(item)',
      '',
      '    # ... other methods unchanged ...',
      '',
      '    def peek(self):',
      '        if not self.items:',
      '            return None',
      '        return self.items[-1]',
      '',
      '# rest of the file remains the same',
    ].join('\n');
    assert.equal(findElision(content), '# ... other methods unchanged ...');
  });

  it('skips placeholder-looking lines the file already had', () => {
    const content = 'def main():\n    # ...\n    # rest of the code\n    return 0\n';
    assert.equal(findElision(content, new Set(['# ...'])), '# rest of the code');
    assert.equal(findElision(content, new Set(['# ...', '# rest of the code'])), undefined);
  });

  it('leaves Python ellipses, spreads and ordinary comments alone', () => {
    const content = [
      'from typing import Protocol, Tuple',
      '# REST',
      '# other imports',
      'import requests',
      '',
      'Shape = Tuple[int, ...]',
      '',
      '',
      'class Reader(Protocol):',
      '    def read(self, n: int) -> bytes: ...',
      '',
      '    def close(self) -> None:',
      '        ...',
      '',
      '',
      'def transform(value, rules):',
      '    # If no rule applies, return the input unchanged.',
      '    # We wait for the lock here...',
      '    # ...which only happens on Windows.',
      '    # The rest of this function validates the rules before applying them in order, so keep it.',
      '    print("... rest of the file unchanged ...")',
      '    return value',
      '',
      '#!/usr/bin/env python',
      '',
    ].join('\n');
    assert.equal(findElision(content), undefined);
    const js = [
      'export function merge(a, b, ...rest) {',
      '  const out = { ...a, ...b };',
      '  return [out, ...rest];',
      '}',
      'for (let i = 10; i > 0; ) {',
      '  --i;',
      '}',
      '// Keep the existing code path for old browsers.',
      ';(function () {})();',
    ].join('\n');
    assert.equal(findElision(js), undefined);
  });
});
