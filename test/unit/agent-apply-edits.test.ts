import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits } from '../../worker/agent/edits/apply-edits.ts';
import type { Edit } from '../../worker/agent/edits/edit-reply.ts';

const CART = `class Cart:
    def __init__(self):
        self.items = []
        self.discount = 0

    def add(self, item, qty=1):
        for _ in range(qty):
            self.items.append(item)

    def total(self):
        subtotal = sum(item.price for item in self.items)
        return subtotal - self.discount
`;

const files = (entries: Record<string, string>) => (path: string) => entries[path];
const replace = (path: string, ...blocks: Array<[string, string]>): Edit => ({
  kind: 'replace',
  path,
  blocks: blocks.map(([search, replacement]) => ({ search, replace: replacement })),
});

function applyOne(content: string | undefined, edit: Edit) {
  return applyEdits([edit], files(content === undefined ? {} : { [edit.path]: content }));
}

describe('applying SEARCH/REPLACE: the matching rules in order', () => {
  it('1. exact', () => {
    const result = applyOne(
      CART,
      replace('cart.py', [
        '        return subtotal - self.discount',
        '        return max(0, subtotal - self.discount)',
      ]),
    );
    assert.deepEqual(result.failures, []);
    assert.equal(result.applied, 1);
    assert.equal(
      result.changed.get('cart.py'),
      CART.replace('return subtotal - self.discount', 'return max(0, subtotal - self.discount)'),
    );
  });

  it('2. ignoring trailing whitespace on each line', () => {
    const withSpaces = CART.replace('self.items = []\n', 'self.items = []   \n');
    const result = applyOne(
      withSpaces,
      replace('cart.py', [
        '        self.items = []\n        self.discount = 0',
        '        self.items = []\n        self.discount = 0.0',
      ]),
    );
    assert.deepEqual(result.failures, []);
    assert.equal(result.changed.get('cart.py'), CART.replace('self.discount = 0\n', 'self.discount = 0.0\n'));
  });

  it('3. ignoring indentation, and re-basing the REPLACE to the file', () => {
    // The model copied the method body at column 0.
    const search = 'for _ in range(qty):\n    self.items.append(item)';
    const replacement =
      'if qty < 1:\n    raise ValueError("qty")\nfor _ in range(qty):\n    self.items.append(item)';
    const result = applyOne(CART, replace('cart.py', [search, replacement]));
    assert.deepEqual(result.failures, []);
    assert.equal(
      result.changed.get('cart.py'),
      CART.replace(
        '        for _ in range(qty):',
        '        if qty < 1:\n            raise ValueError("qty")\n        for _ in range(qty):',
      ),
    );
    // And written too deep: twelve spaces for an eight-space body.
    const deep = applyOne(
      CART,
      replace('cart.py', [
        '            subtotal = sum(item.price for item in self.items)',
        '            subtotal = sum(item.price * item.qty for item in self.items)\n            # no negative totals',
      ]),
    );
    assert.equal(
      deep.changed.get('cart.py'),
      CART.replace(
        '        subtotal = sum(item.price for item in self.items)',
        '        subtotal = sum(item.price * item.qty for item in self.items)\n        # no negative totals',
      ),
    );
  });

  it('4. dropping a blank line the model added at the ends of the SEARCH', () => {
    const result = applyOne(
      CART,
      replace('cart.py', ['\n    def total(self):\n\n', '\n    def total(self) -> float:\n\n']),
    );
    assert.deepEqual(result.failures, []);
    assert.equal(
      result.changed.get('cart.py'),
      CART.replace('def total(self):', 'def total(self) -> float:'),
    );
  });

  it('5. a close fuzzy match of a window of the same length', () => {
    // Two characters misremembered in a three-line SEARCH.
    const search =
      '    def total(self):\n        subtotal = sum(item.price for item in self.item)\n        return subtotal - self.discont';
    const replacement =
      '    def total(self):\n        subtotal = sum(item.price for item in self.items)\n        return max(0, subtotal - self.discount)';
    const result = applyOne(CART, replace('cart.py', [search, replacement]));
    assert.deepEqual(result.failures, []);
    assert.equal(
      result.changed.get('cart.py'),
      CART.replace('return subtotal - self.discount', 'return max(0, subtotal - self.discount)'),
    );
  });

  it('does not apply a fuzzy candidate below the threshold, and shows it as the closest lines', () => {
    const search = '    def total(self):\n        return sum(i.cost for i in self.items)';
    const result = applyOne(CART, replace('cart.py', [search, '    def total(self):\n        return 0']));
    assert.equal(result.changed.size, 0);
    assert.equal(result.applied, 0);
    assert.deepEqual(result.failures, [
      {
        kind: 'no-match',
        path: 'cart.py',
        block: 1,
        search,
        closest: '    def total(self):\n        subtotal = sum(item.price for item in self.items)',
      },
    ]);
  });

  it('does not guess between two equally good windows', () => {
    const twins = 'def area_a(w, h):\n    return w * h\n\n\ndef area_b(w, h):\n    return w * h\n';
    const result = applyOne(
      twins,
      replace('shapes.py', ['def area_(w, h):\n    return w * h', 'def area_(w, h):\n    return w * h / 2']),
    );
    assert.equal(result.changed.size, 0);
    assert.equal(result.failures[0]?.kind, 'no-match');
  });

  it('calls a SEARCH that matches exactly more than once ambiguous, with the count', () => {
    const getters =
      'def get_name(self):\n    if self._name is None:\n        return None\n    return self._name\n\n\ndef get_age(self):\n    if self._age is None:\n        return None\n    return self._age\n';
    const result = applyOne(
      getters,
      replace('person.py', ['        return None', '        return ""'], ['', 'x = 1']),
    );
    assert.deepEqual(result.failures, [
      { kind: 'ambiguous', path: 'person.py', block: 1, search: '        return None', count: 2 },
      { kind: 'empty-search', path: 'person.py', block: 2 },
    ]);
  });

  it('quotes at most twelve lines as the closest', () => {
    const search = Array.from({ length: 20 }, (_, i) => `    value_${i} = compute(${i})`).join('\n');
    const content = `def setup():\n${search.replaceAll('compute', 'calc')}\n`;
    const result = applyOne(content, replace('setup.py', [search, '    pass']));
    const failure = result.failures[0];
    assert.ok(failure?.kind === 'no-match' && failure.closest !== undefined, JSON.stringify(failure));
    assert.equal(failure.kind === 'no-match' && failure.closest?.split('\n').length, 12);
  });
});

describe('applying edits: files, line endings, several blocks', () => {
  it('applies the blocks of one edit in order on the running content', () => {
    const result = applyOne(
      CART,
      replace(
        'cart.py',
        ['        self.discount = 0', '        self.discount = 0\n        self.tax = 0'],
        ['        self.tax = 0', '        self.tax = 0.2'],
      ),
    );
    assert.deepEqual(result.failures, []);
    assert.equal(result.applied, 2);
    assert.equal(
      result.changed.get('cart.py'),
      CART.replace('self.discount = 0\n', 'self.discount = 0\n        self.tax = 0.2\n'),
    );
  });

  it('keeps the blocks that apply when another fails', () => {
    const result = applyOne(
      CART,
      replace(
        'cart.py',
        ['self.discount = 0', 'self.discount = 1'],
        ['self.coupon = None', 'self.coupon = 1'],
      ),
    );
    assert.equal(result.applied, 1);
    assert.equal(result.changed.get('cart.py'), CART.replace('self.discount = 0', 'self.discount = 1'));
    assert.deepEqual(
      result.failures.map((failure) => [failure.kind, 'block' in failure && failure.block]),
      [['no-match', 2]],
    );
  });

  it('keeps CRLF line endings and a missing final newline', () => {
    const crlf = CART.replace(/\n/g, '\r\n');
    const result = applyOne(
      crlf,
      replace('cart.py', ['        self.discount = 0', '        self.discount = 5']),
    );
    assert.equal(result.changed.get('cart.py'), crlf.replace('self.discount = 0', 'self.discount = 5'));
    const whole = applyEdits(
      [{ kind: 'whole', path: 'a.py', content: 'x = 2\ny = 3\n' }],
      files({ 'a.py': 'x = 1\r\ny = 3\r\n' }),
    );
    assert.equal(whole.changed.get('a.py'), 'x = 2\r\ny = 3\r\n');
    const bare = applyOne('x = 1\ny = 3', replace('b.py', ['y = 3', 'y = 4']));
    assert.equal(bare.changed.get('b.py'), 'x = 1\ny = 4');
    const trailing = applyEdits(
      [{ kind: 'whole', path: 'c.py', content: 'x = 2\n\n\n' }],
      files({ 'c.py': 'x = 1\n' }),
    );
    assert.equal(trailing.changed.get('c.py'), 'x = 2\n');
  });

  it('creates a new file from a whole edit or an empty SEARCH, and fills an empty file', () => {
    const result = applyEdits(
      [
        { kind: 'whole', path: 'tests/test_cart.py', content: 'def test_total():\n    assert True' },
        replace('cart/__init__.py', ['', 'from .cart import Cart']),
        replace('empty.py', ['', 'VALUE = 1']),
      ],
      files({ 'empty.py': '' }),
    );
    assert.deepEqual(result.failures, []);
    assert.deepEqual(Object.fromEntries(result.changed), {
      'tests/test_cart.py': 'def test_total():\n    assert True\n',
      'cart/__init__.py': 'from .cart import Cart\n',
      'empty.py': 'VALUE = 1\n',
    });
  });

  it('reports a SEARCH on a missing file', () => {
    const result = applyOne(undefined, replace('cart/models.py', ['class Cart:', 'class Cart(Base):']));
    assert.deepEqual(result.failures, [
      { kind: 'missing-file', path: 'cart/models.py', block: 1, search: 'class Cart:' },
    ]);
    assert.equal(result.changed.size, 0);
  });

  it('reports an edit that changes nothing', () => {
    const same = applyEdits([{ kind: 'whole', path: 'cart.py', content: CART }], files({ 'cart.py': CART }));
    assert.deepEqual(same.failures, [{ kind: 'no-change', path: 'cart.py' }]);
    assert.equal(same.changed.size, 0);
    const block = applyOne(CART, replace('cart.py', ['        self.items = []', '        self.items = []']));
    assert.deepEqual(block.failures, [{ kind: 'no-change', path: 'cart.py' }]);
  });

  it('edits several files, a later edit of a file seeing the earlier one', () => {
    const result = applyEdits(
      [
        replace('cart.py', ['class Cart:', 'class Cart(Base):']),
        { kind: 'whole', path: 'base.py', content: 'class Base:\n    pass\n' },
        replace('cart.py', ['class Cart(Base):', 'class Cart(Base, Mixin):']),
      ],
      files({ 'cart.py': CART, 'base.py': 'Base = object\n' }),
    );
    assert.deepEqual(result.failures, []);
    assert.equal(result.changed.get('cart.py'), CART.replace('class Cart:', 'class Cart(Base, Mixin):'));
    assert.equal(result.changed.get('base.py'), 'class Base:\n    pass\n');
  });

  it('a block re-sent after it went in counts as applied, not as a miss', () => {
    const fixed = CART.replace('return subtotal - self.discount', 'return max(0, subtotal - self.discount)');
    const result = applyOne(
      fixed,
      replace('cart.py', [
        '        return subtotal - self.discount',
        '        return max(0, subtotal - self.discount)',
      ]),
    );
    // Nothing left to do: not a "did you mean" for lines that are already there.
    assert.deepEqual(result.failures, [{ kind: 'no-change', path: 'cart.py' }]);
  });

  it('matches in a large file within a reasonable time', () => {
    // 5000 lines of varied code (a fixed pseudo-random pick of words), a 15-line SEARCH with a typo.
    const words = ['user', 'order', 'total', 'items', 'config', 'path', 'value', 'count', 'cache', 'token'];
    let seed = 7;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return words[seed % words.length]!;
    };
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `    ${pick()}_${i} = ${pick()}.get_${pick()}(${pick()}, ${i})`,
    );
    const search = lines.slice(2500, 2515).join('\n').replace('.get_', '.gte_');
    const started = performance.now();
    const result = applyOne(`${lines.join('\n')}\n`, replace('big.py', [search, '    pass']));
    assert.ok(performance.now() - started < 3000);
    assert.equal(result.applied, 1, JSON.stringify(result.failures));
    assert.deepEqual(result.changed.get('big.py')?.split('\n').slice(2499, 2502), [
      lines[2499],
      '    pass',
      lines[2515],
    ]);
  });
});
