// A revision's brief seeds the localizer: the file a review comment is on, and the files of the pull
// request's diff, rank first even when the request's own words point elsewhere. This is what lets the
// pipeline strategy show the model the right file without a choose call.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RevisionMessage } from '../../action/task-message.ts';
import { localize } from '../../worker/context/localize.ts';
import type { RevisionContext } from '../../worker/forge/forge.ts';
import { revisionBrief } from '../../worker/revision/revision-brief.ts';
import { createHandMadeRepos, type HandMadeRepos, textkitFiles } from '../support/hand-made-repo.ts';

let repos: HandMadeRepos;
let textkit: string;
before(() => {
  repos = createHandMadeRepos();
  textkit = repos.make(textkitFiles);
});
after(() => repos.remove());

const task = {
  pull_number: 12,
  issue_number: 7,
  trigger: { type: 'review_comment', id: 5 },
} as unknown as RevisionMessage;

const base: RevisionContext = {
  title: '[auto-code] Make slugs shorter',
  // The request's words ("title", "heading") are those of render.py, a decoy here.
  request: 'Keep the title as it is, but do not drop the heading words here.',
  notes: [],
  diff: '',
};

async function first(context: RevisionContext): Promise<string | undefined> {
  const result = await localize({ repoPath: textkit, issueText: revisionBrief(task, context) });
  return result.candidates[0]?.path;
}

describe('a revision brief seeds the localizer', () => {
  it('without them, the request alone points at the decoy', async () => {
    assert.equal(await first(base), 'src/textkit/render.py');
  });

  it('ranks the file a review comment is on first', async () => {
    const notes = [{ id: 5, author: 'alice', body: 'Not like this.', path: 'src/textkit/feed.py', line: 4 }];
    assert.equal(await first({ ...base, notes }), 'src/textkit/feed.py');
  });

  it("ranks the pull request's changed file first when no comment names one", async () => {
    const diff =
      '--- a/src/textkit/util/strings.py\n+++ b/src/textkit/util/strings.py\n@@ -1,3 +1,3 @@\n-x\n+y\n';
    assert.equal(await first({ ...base, diff }), 'src/textkit/util/strings.py');
  });
});
