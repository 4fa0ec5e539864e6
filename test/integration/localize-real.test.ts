// The localizer on real issues from real repositories (SWE-bench Verified, see
// ../shared/bench/README.md): each issue's text must put a file its merged fix changed in the top 5.
// The four were chosen from different repositories and kinds of clue (a URL to a line, identifiers, a
// class named in backticks, prose), among those that rank a gold file first by a wide margin, so a
// small change of weights does not flip them. scripts/bench-localize.ts measures all of them.
// The data is not optional: CI has it beside the repository, and without it this test fails.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { localize } from '../../worker/context/localize.ts';
import { benchDataDir, goldFiles, readSweInstances, type SweInstance } from '../support/bench-data.ts';

const benchDir = join(benchDataDir(), 'swe-bench-dev');

/** The instances, each from a repository of its own, so each bundle is cloned once. */
const chosen = [
  'psf__requests-5414', // a link to a line of requests/models.py
  'pytest-dev__pytest-10051', // links to src/_pytest/logging.py and `caplog.get_records()`
  'pydata__xarray-6992', // identifiers: `xr.core.dataset.DataVariables`, `_coord_names`
  'mwaskom__seaborn-3069', // `so.Nominal` and prose about scales
];

function readInstances(): Map<string, SweInstance> {
  const file = join(benchDir, 'instances.jsonl');
  assert.ok(
    existsSync(file),
    `benchmark data not found: ${file} is missing. Put it at ../shared/bench beside the repository ` +
      'or set CW_BENCH_DIR (see its README.md); this test needs it and does not skip without it.',
  );
  return new Map(readSweInstances(file).map((instance) => [instance.instance_id, instance]));
}

function checkout(instance: SweInstance, work: string): string {
  const name = instance.repo.split('/')[1] ?? instance.repo;
  const dir = join(work, name);
  const git = (...args: string[]) => execFileSync('git', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  git('clone', '-q', join(benchDir, 'repos', `${name}.bundle`), dir);
  git('-C', dir, 'checkout', '-q', instance.instance_id);
  return dir;
}

describe('localize on real issues', () => {
  let instances: Map<string, SweInstance>;
  let work: string;

  before(() => {
    instances = readInstances();
    work = mkdtempSync(join(tmpdir(), 'cw-real-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const id of chosen) {
    test(`${id}: a gold file in the top 5`, { timeout: 120_000 }, async (t) => {
      const instance = instances.get(id);
      assert.ok(instance, `${id} is not in ${benchDir}/instances.jsonl`);
      const gold = goldFiles(instance);
      assert.ok(gold.length > 0, 'the patch names the files it changes');
      const repoPath = checkout(instance, work);
      const result = await localize({ repoPath, issueText: instance.problem_statement, top: 10 });
      const ranked = result.candidates.map((candidate) => candidate.path);
      const rank = ranked.findIndex((path) => gold.includes(path)) + 1;
      t.diagnostic(`gold ${gold.join(', ')} at rank ${rank || 'none'} in ${result.ms} ms`);
      assert.ok(
        rank >= 1 && rank <= 5,
        `gold ${gold.join(', ')} not in the top 5: ${ranked.slice(0, 5).join(', ')}`,
      );
      assert.ok(ranked.length > 0 && result.repoMap(500).startsWith(ranked[0] ?? ''));
    });
  }
});
