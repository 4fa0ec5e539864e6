// The one line a failed hidden test is summed up by.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstUsefulLine } from '../../worker/eval/run-task.ts';

describe('firstUsefulLine', () => {
  it("takes pytest's FAILED line over the summary after it", () => {
    const stdout =
      '..F\n=== short test summary info ===\nFAILED t.py::test_a[1] - assert 3 == 7\n1 failed, 2 passed in 0.1s\n';
    assert.equal(
      firstUsefulLine({ stdout, stderr: '', exitCode: 1 }),
      'FAILED t.py::test_a[1] - assert 3 == 7',
    );
  });

  it("takes a traceback's last line from stderr, then stdout's last line, then the exit code", () => {
    const stderr = 'Traceback (most recent call last):\n  File "test.py", line 3\nAssertionError: wrong\n\n';
    assert.equal(firstUsefulLine({ stdout: 'checking\n', stderr, exitCode: 1 }), 'AssertionError: wrong');
    assert.equal(firstUsefulLine({ stdout: 'first\n  last  \n', stderr: '', exitCode: 2 }), 'last');
    assert.equal(firstUsefulLine({ stdout: '', stderr: '\n', exitCode: 5 }), 'exit 5');
  });
});
