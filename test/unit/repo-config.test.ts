import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PermanentError } from '../../worker/core/errors.ts';
import { parseRepoConfig, readRepoConfig } from '../../worker/job/repo-config.ts';

describe('repo config (.codingworker.yml)', () => {
  it('reads the test command and its timeout', () => {
    assert.deepEqual(parseRepoConfig('test: npm test\ntimeout: 120\n'), { test: 'npm test', timeout: 120 });
    assert.deepEqual(parseRepoConfig(''), {});
    assert.deepEqual(parseRepoConfig('# only a comment\n'), {});
  });

  it('refuses unknown keys, wrong types and broken YAML with a message saying what is expected', () => {
    assert.throws(
      () => parseRepoConfig('tests: npm test\n'),
      (error: Error) => {
        assert.ok(error instanceof PermanentError);
        assert.match(error.message, /\.codingworker\.yml is invalid/);
        assert.match(error.message, /test: npm test/);
        return true;
      },
    );
    assert.throws(() => parseRepoConfig('timeout: soon\n'), /timeout/);
    assert.throws(() => parseRepoConfig('test: ""\n'), /test/);
    assert.throws(() => parseRepoConfig('test: [unclosed\n'), /not valid YAML/);
    assert.throws(() => parseRepoConfig('- a list\n'), /invalid/);
  });

  it('reads the file from a checkout: none is an empty config, a link is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
    assert.deepEqual(await readRepoConfig(dir), {});
    writeFileSync(join(dir, 'elsewhere.yml'), 'test: make check\n');
    symlinkSync(join(dir, 'elsewhere.yml'), join(dir, '.codingworker.yml'));
    await assert.rejects(readRepoConfig(dir), /regular file/);
    const other = mkdtempSync(join(tmpdir(), 'cw-config-'));
    writeFileSync(join(other, '.codingworker.yml'), 'test: make check\n');
    assert.deepEqual(await readRepoConfig(other), { test: 'make check' });
  });
});
