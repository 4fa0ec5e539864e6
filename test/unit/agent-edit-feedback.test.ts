import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits } from '../../worker/agent/edits/apply-edits.ts';
import { correctionFor, type EditFormat } from '../../worker/agent/edits/edit-feedback.ts';
import { type EditProblem, parseEditReply } from '../../worker/agent/edits/edit-reply.ts';

const shownPaths = ['src/shop/cart.py', 'src/shop/tax.py'];
const whole = { format: 'whole' as EditFormat, shownPaths };
const blocks = { format: 'replace' as EditFormat, shownPaths };

/** A detail for each problem, as the parser gives it; the Record makes the list complete. */
const DETAILS: Record<EditProblem, string> = {
  empty: 'the reply was empty',
  'no-fence': 'no code block',
  'tool-call': 'a JSON tool call instead of an edit',
  'no-path': 'no file path before the code block',
  'bad-path': 'the path ../../etc/passwd leaves the checkout',
  'several-fences': 'src/shop/cart.py',
  elided: '# ... rest of the file unchanged ...',
  truncated: 'the code block for src/shop/cart.py never ends',
  'malformed-markers': '>>>>>>> REPLACE without ======= before it (src/shop/cart.py)',
  diff: 'a unified diff for src/shop/cart.py',
};

describe('edit feedback', () => {
  it('has a short message for every problem, in both formats', () => {
    for (const [problem, detail] of Object.entries(DETAILS) as Array<[EditProblem, string]>) {
      for (const options of [whole, blocks]) {
        const message = correctionFor({ kind: 'invalid', problem, detail }, options);
        assert.ok(message && message.length < 600, `${problem} ${options.format}: ${message?.length}`);
      }
    }
  });

  it('shows the shape to send, with a real path', () => {
    const message = correctionFor({ kind: 'invalid', problem: 'no-fence', detail: 'no code block' }, blocks);
    assert.match(
      message!,
      /src\/shop\/cart\.py\n```\n<<<<<<< SEARCH\n.*\n=======\n.*\n>>>>>>> REPLACE\n```$/,
    );
    const wholeMessage = correctionFor({ kind: 'invalid', problem: 'tool-call', detail: '' }, whole);
    assert.match(wholeMessage!, /do not write JSON/);
    assert.match(wholeMessage!, /complete new file:\nsrc\/shop\/cart\.py\n```/);
  });

  it('names the files shown when the path is missing or not allowed', () => {
    const noPath = correctionFor({ kind: 'invalid', problem: 'no-path', detail: DETAILS['no-path'] }, whole)!;
    assert.match(noPath, /which file it is for \(src\/shop\/cart\.py, src\/shop\/tax\.py\)\. Reply with/);
    const bad = correctionFor({ kind: 'invalid', problem: 'bad-path', detail: DETAILS['bad-path'] }, whole)!;
    assert.match(bad, /\.\.\/\.\.\/etc\/passwd leaves the checkout/);
  });

  it('quotes the placeholder line of an elided file and asks for the complete file', () => {
    const reply = parseEditReply(
      'src/shop/cart.py\n```python\nclass Cart:\n    # ... rest of the class unchanged ...\n```',
      { shownPaths },
    );
    assert.equal(reply.kind, 'invalid');
    const message = correctionFor(reply as Extract<typeof reply, { kind: 'invalid' }>, whole)!;
    assert.match(message, /```\n# \.\.\. rest of the class unchanged \.\.\.\n```/);
    assert.match(message, /Send the complete file/);
  });

  it('shows the closest lines as "did you mean" and names the block', () => {
    const file = 'class Cart:\n    def total(self):\n        return sum(i.price for i in self.items)\n';
    const reply = parseEditReply(
      'src/shop/cart.py\n```python\n<<<<<<< SEARCH\n    def total(self):\n        return sum(item.cost for item in self.items)\n=======\n    def total(self):\n        return round(sum(item.cost for item in self.items), 2)\n>>>>>>> REPLACE\n```',
      { shownPaths },
    );
    assert.equal(reply.kind, 'edits');
    const result = applyEdits(reply.kind === 'edits' ? reply.edits : [], (path) =>
      path === 'src/shop/cart.py' ? file : undefined,
    );
    assert.equal(result.changed.size, 0);
    assert.equal(
      correctionFor(result, blocks),
      'The SEARCH block 1 (starting "def total(self):") for src/shop/cart.py does not match the file. Did you mean these lines?\n```\n    def total(self):\n        return sum(i.price for i in self.items)\n```\nCopy the SEARCH lines exactly from the file, spaces included.',
    );
  });

  it('says how many places an ambiguous SEARCH matches, and that the other blocks went in', () => {
    const file = 'def a():\n    return None\n\n\ndef b():\n    return None\n';
    const result = applyEdits(
      [
        {
          kind: 'replace',
          path: 'src/shop/tax.py',
          blocks: [
            { search: '    return None', replace: '    return 0' },
            { search: 'def a():', replace: 'def a() -> int:' },
          ],
        },
      ],
      () => file,
    );
    const message = correctionFor(result, blocks)!;
    assert.match(message, /block 1 \(starting "return None"\) for src\/shop\/tax\.py matches 2 places/);
    assert.match(message, /Your other changes were applied: send only the blocks named above/);
  });

  it('has a message for a missing file, an empty SEARCH and an edit that changes nothing', () => {
    const result = applyEdits(
      [
        {
          kind: 'replace',
          path: 'src/shop/order.py',
          blocks: [{ search: 'class Order:', replace: 'class Order(Base):' }],
        },
        { kind: 'replace', path: 'src/shop/tax.py', blocks: [{ search: '', replace: 'RATE = 0.2' }] },
        { kind: 'whole', path: 'src/shop/cart.py', content: 'class Cart:\n    pass\n' },
      ],
      (path) => (path === 'src/shop/order.py' ? undefined : 'class Cart:\n    pass\n'),
    );
    const message = correctionFor(result, blocks)!;
    const paragraphs = message.split('\n\n');
    assert.equal(paragraphs.length, 3);
    assert.match(paragraphs[0]!, /^src\/shop\/order\.py does not exist\..*leave its SEARCH empty\.$/);
    assert.match(
      paragraphs[1]!,
      /^The SEARCH block 1 for src\/shop\/tax\.py is empty, but the file exists\./,
    );
    assert.match(paragraphs[2]!, /^Your edit of src\/shop\/cart\.py changes nothing/);
  });

  it('keeps a long list of failures short, and says nothing when all went in', () => {
    const result = applyEdits(
      [
        {
          kind: 'replace',
          path: 'src/shop/cart.py',
          blocks: ['a', 'b', 'c', 'd', 'e'].map((name) => ({
            search: `${name} = 1`,
            replace: `${name} = 2`,
          })),
        },
      ],
      () => 'x = 1\n',
    );
    const message = correctionFor(result, blocks)!;
    assert.equal(message.match(/does not match/g)?.length, 3);
    assert.match(message, /2 more blocks failed too/);
    assert.equal(correctionFor({ changed: new Map(), failures: [], applied: 1 }, blocks), undefined);
  });

  it('quotes lines holding a fence with a longer fence', () => {
    const file = '# Usage\n\n```\npip install shop\n```\n';
    const result = applyEdits(
      [
        {
          kind: 'replace',
          path: 'README.md',
          blocks: [{ search: '```\npip install shop-cli\n```', replace: 'x' }],
        },
      ],
      () => file,
    );
    // Four characters off in three short lines: below the fuzzy threshold, so it is shown, not applied.
    assert.match(correctionFor(result, blocks)!, /\n````\n```\npip install shop\n```\n````\n/);
  });
});
