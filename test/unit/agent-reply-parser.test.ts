import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDone, parseReply, summaryLines } from '../../worker/agent/reply-parser.ts';

describe('reply parser (the action protocol)', () => {
  it('reads the one bash block of a reply', () => {
    const reply = 'Let me look at the files.\n```bash\nls -la && cat README.md\n```\n';
    assert.deepEqual(parseReply(reply), {
      kind: 'command',
      command: 'ls -la && cat README.md',
      via: 'fence',
    });
    assert.deepEqual(parseReply('```sh\npwd\n```'), { kind: 'command', command: 'pwd', via: 'fence' });
    const multiline = "```bash\ncat > a.py <<'EOF'\nprint('```')\nEOF\n```";
    assert.deepEqual(parseReply(multiline), {
      kind: 'command',
      command: "cat > a.py <<'EOF'\nprint('```')\nEOF",
      via: 'fence',
    });
  });

  it('ignores blocks in other languages next to the bash block', () => {
    const reply = 'The fix:\n```python\nprint(1)\n```\nNow apply it:\n```bash\npython3 fix.py\n```';
    assert.deepEqual(parseReply(reply), { kind: 'command', command: 'python3 fix.py', via: 'fence' });
  });

  it('flags a reply with no block, several blocks or an empty block', () => {
    assert.deepEqual(parseReply('I think the bug is in main.py.'), { kind: 'invalid', problem: 'no-block' });
    assert.deepEqual(parseReply('```python\nprint(1)\n```'), { kind: 'invalid', problem: 'no-block' });
    assert.deepEqual(parseReply('```bash\nls\n```\nthen\n```bash\npwd\n```'), {
      kind: 'invalid',
      problem: 'several-blocks',
    });
    assert.deepEqual(parseReply('```bash\n\n```'), { kind: 'invalid', problem: 'empty-command' });
  });

  it('interprets a bare JSON tool call that clearly names a command (qwen2.5-coder does this)', () => {
    const shapes = [
      '{"name": "bash", "arguments": {"command": "ls -la"}}',
      '{"name":"execute_bash","arguments":"{\\"cmd\\": \\"ls -la\\"}"}',
      '[{"function": {"name": "shell", "arguments": {"command": "ls -la"}}}]',
      '```json\n{"tool": "run_command", "command": "ls -la"}\n```',
      'I will list the files: {"name": "bash", "parameters": {"command": "ls -la"}}',
      '{"command": "ls -la"}',
      '<tool_call>\n{"name": "bash", "arguments": {"command": "ls -la"}}\n</tool_call>',
    ];
    for (const shape of shapes) {
      assert.deepEqual(parseReply(shape), { kind: 'command', command: 'ls -la', via: 'json' }, shape);
    }
  });

  it('does not run JSON that names some other tool or no command', () => {
    assert.deepEqual(parseReply('{"name": "search_web", "arguments": {"command": "rm -rf /"}}'), {
      kind: 'invalid',
      problem: 'json-without-command',
    });
    assert.deepEqual(parseReply('{"answer": 42}'), { kind: 'invalid', problem: 'json-without-command' });
  });

  it('sees the task as done only when the marker is the last output line of a successful command', () => {
    assert.equal(isDone('CODINGWORKER_DONE\n', 0), true);
    assert.equal(isDone('diff --git a/x b/x\nCODINGWORKER_DONE\n\n', 0), true);
    assert.equal(isDone('CODINGWORKER_DONE\n', 1), false);
    assert.equal(isDone('echo CODINGWORKER_DONE\n', 0), false);
    assert.equal(isDone('CODINGWORKER_DONE\nmore output\n', 0), false);
  });

  it('reads the summary bullets outside code blocks', () => {
    const reply =
      '- Fix the off-by-one in range()\n* Add a test\n```bash\n- not a bullet\necho CODINGWORKER_DONE\n```';
    assert.deepEqual(summaryLines(reply), ['Fix the off-by-one in range()', 'Add a test']);
  });

  it('reads a reply of one long run of backticks in bounded time (the fence opener is bounded)', () => {
    const started = performance.now();
    assert.deepEqual(parseReply('`'.repeat(100_000)), { kind: 'invalid', problem: 'no-block' });
    assert.deepEqual(summaryLines('`'.repeat(100_000)), []);
    assert.ok(performance.now() - started < 2_000, 'unbounded, it took seconds (quadratic backtracking)');
  });
});
