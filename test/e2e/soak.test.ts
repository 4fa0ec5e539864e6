// The short version of scripts/soak.ts in the suite: a dozen tasks back to back through the whole system
// (the GitHub forge paces its writes at about one a second, so a task takes ~7 s here), with the daemon's
// RSS, file descriptors, containers and workspaces sampled. The long run and its curve are in
// docs/benchmarks.md.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, runSoak, type SoakSample } from '../../scripts/soak.ts';

describe('compressed soak', () => {
  it('12 tasks: every one completes with one pull request; nothing grows without bound', {
    timeout: 170_000,
  }, async () => {
    const result = await runSoak({ tasks: 12, sampleEveryMs: 500 });
    assert.deepEqual(result.problems, []);
    assert.ok(result.samples.length > 20, `${result.samples.length} samples`);
    assert.ok(
      result.peakRssMiB < 2048,
      `peak RSS ${result.peakRssMiB} MiB within the 2 GB of docs/requirements.md#worker`,
    );
  });

  it('the judge fails a growing RSS, leaking descriptors and leftovers', () => {
    const samples: SoakSample[] = Array.from({ length: 40 }, (_, index) => ({
      seconds: index,
      tasksDone: index,
      rssMiB: 150 + index * 5,
      fds: 20 + index,
      containers: index === 39 ? 1 : 0,
      workspaces: index === 39 ? 2 : 0,
    }));
    const problems = judge(samples, 40);
    assert.equal(problems.length, 4, problems.join('\n'));
    const flat = samples.map((sample) => ({
      ...sample,
      rssMiB: 150 + (sample.seconds % 3),
      fds: 25,
      containers: 0,
      workspaces: 0,
    }));
    assert.deepEqual(judge(flat, 40), []);
  });
});
