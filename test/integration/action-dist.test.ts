// dist/ is committed (the runner executes it as is), so it must be what `npm run bundle` builds from the
// current source: rebuild with the same script into a temp directory and compare byte for byte.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

describe('the committed action bundle', () => {
  it('is what npm run bundle builds from the current source (run npm run bundle and commit dist/ if not)', async () => {
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(scripts.bundle!, / -o dist /);
    const out = await mkdtemp(join(tmpdir(), 'cw-dist-'));
    try {
      // The bundle script itself, only writing to the temp directory. ncc names modules by their path,
      // so the compiled input stays where the script puts it (build/action/).
      await run('sh', ['-c', scripts.bundle!.replace(' -o dist ', ` -o ${out} `)], {
        cwd: ROOT,
        env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}${delimiter}${process.env.PATH}` },
        maxBuffer: 16 * 1024 * 1024,
      });
      const committed = (await readdir(join(ROOT, 'dist'))).sort();
      assert.deepEqual((await readdir(out)).sort(), committed);
      for (const file of committed) {
        const fresh = await readFile(join(out, file));
        const stale = await readFile(join(ROOT, 'dist', file));
        assert.ok(fresh.equals(stale), `dist/${file} is stale: run npm run bundle and commit dist/`);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
