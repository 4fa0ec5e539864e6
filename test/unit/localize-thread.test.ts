// The localizer in its own thread (worker/context/localize-thread.ts) ranks exactly as in-process, and a
// failure crosses back as an error with the localizer's own one-line reason.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { localize } from '../../worker/context/localize.ts';
import { localizeInThread } from '../../worker/context/localize-thread.ts';
import { createThrowawayRepo } from '../support/throwaway-repo.ts';

describe('the localizer in its own thread', () => {
  const repo = createThrowawayRepo({
    'pkg/urls.py': 'def parse_url(text):\n    return text.split("/")\n',
    'pkg/report.py': 'from pkg.urls import parse_url\n\ndef report(u):\n    return parse_url(u)\n',
    'README.md': '# demo\n',
  });
  after(() => repo.remove());
  const issueText = 'parse_url fails on an empty string\n\nCalling `parse_url("")` raises IndexError.';

  it('gives the same candidates, skipped files and file count as in-process', async () => {
    const here = await localize({ repoPath: repo.path, issueText, top: 5 });
    const apart = await localizeInThread({ repoPath: repo.path, issueText, top: 5 });
    assert.deepEqual(apart.candidates, here.candidates);
    assert.deepEqual(apart.skipped, here.skipped);
    assert.equal(apart.files, here.files);
    assert.equal(apart.candidates[0]?.path, 'pkg/urls.py');
  });

  it('rejects with the reason the localizer gave', async () => {
    const missing = `${repo.scratch}/no-such-checkout`;
    const reason = await localize({ repoPath: missing, issueText }).then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await assert.rejects(localizeInThread({ repoPath: missing, issueText }), { message: reason });
  });
});
