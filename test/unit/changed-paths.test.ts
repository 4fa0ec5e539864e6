import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayPath } from '../../worker/job/changed-paths.ts';

test('a file name shows invalid UTF-8, control, bidi and invisible characters escaped', () => {
  assert.equal(
    displayPath(Buffer.from([0x6e, 0x65, 0x77, 0xfe, 0xff, 0x2e, 0x70, 0x79])),
    'new\\xfe\\xff.py',
  );
  assert.equal(displayPath(Buffer.from('a\tb.py')), 'a\\x09b.py');
  // "Trojan Source": an RTL override would make "gnp.exe" read as "exe.png" in the pull request.
  assert.equal(displayPath(Buffer.from('x\u202Egnp.exe')), 'x\\u{202e}gnp.exe');
  assert.equal(displayPath(Buffer.from('zero\u200Bwidth.md')), 'zero\\u{200b}width.md');
  assert.equal(displayPath(Buffer.from('ok/ünïcode.py')), 'ok/ünïcode.py');
});
