import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createImportResolver } from '../../worker/context/imports.ts';

const paths = [
  'package.json',
  'etc/passwd',
  'src/index.ts',
  'src/util.ts',
  'src/lib/helper.tsx',
  'src/lib/index.js',
  'src/legacy.cjs',
  'src/esm.mts',
  'src/styles.css',
  'packages/core/package.json',
  'packages/core/src/index.ts',
  'packages/core/src/sub/thing.ts',
  'packages/ui/package.json',
  'packages/ui/index.js',
  'packages/ui/lib/button.jsx',
  'pkg/__init__.py',
  'pkg/utils.py',
  'pkg/core/__init__.py',
  'pkg/core/dataset.py',
  'pkg/core/merge.py',
  'src/app/__init__.py',
  'src/app/models.py',
  'tests/test_models.py',
  'backend/main.py',
  'backend/service/__init__.py',
  'backend/service/api.py',
  'scripts/run.py',
  'scripts/tool.py',
  'svc1/main.py',
  'svc1/common/__init__.py',
  'svc2/main.py',
  'svc2/common/__init__.py',
];
const packages = new Map([
  ['@acme/core', 'packages/core'],
  ['ui', 'packages/ui'],
]);
const resolve = createImportResolver(paths, packages);

describe('createImportResolver: JavaScript and TypeScript', () => {
  it('relative: the exact file, then each extension, then the folder index', () => {
    assert.equal(resolve('src/index.ts', './util'), 'src/util.ts');
    assert.equal(resolve('src/index.ts', './lib/helper'), 'src/lib/helper.tsx');
    assert.equal(resolve('src/index.ts', './lib'), 'src/lib/index.js');
    assert.equal(resolve('src/index.ts', './legacy.cjs'), 'src/legacy.cjs');
    assert.equal(resolve('src/index.ts', './styles.css'), 'src/styles.css');
    assert.equal(resolve('src/lib/helper.tsx', '../util'), 'src/util.ts');
    assert.equal(resolve('src/lib/helper.tsx', '..'), 'src/index.ts');
    assert.equal(resolve('src/index.ts', '../package.json'), 'package.json');
    assert.equal(resolve('src/index.ts', './util?raw'), 'src/util.ts');
    assert.equal(resolve('src/index.ts', './missing'), undefined);
  });

  it("TypeScript's '.js' (and '.mjs') written for the '.ts' (and '.mts') source", () => {
    assert.equal(resolve('src/index.ts', './util.js'), 'src/util.ts');
    assert.equal(resolve('src/index.ts', './lib/helper.jsx'), 'src/lib/helper.tsx');
    assert.equal(resolve('src/index.ts', './esm.mjs'), 'src/esm.mts');
    assert.equal(resolve('src/index.ts', './legacy.js'), undefined, 'a .cjs file is not what .js names');
  });

  it('never resolves a path that leaves the repository, even when the repository has that file', () => {
    assert.equal(resolve('src/index.ts', '../etc/passwd'), 'etc/passwd');
    assert.equal(resolve('src/index.ts', '../../etc/passwd'), undefined);
    assert.equal(resolve('src/index.ts', '../../../etc/passwd'), undefined);
    assert.equal(resolve('src/index.ts', '/etc/passwd'), undefined);
    assert.equal(resolve('src/index.ts', '@acme/core/../../../../etc/passwd'), undefined);
  });

  it('workspace packages by name: src/index, index or lib/index, and subpaths the same way', () => {
    assert.equal(resolve('src/index.ts', '@acme/core'), 'packages/core/src/index.ts');
    assert.equal(resolve('src/index.ts', '@acme/core/sub/thing'), 'packages/core/src/sub/thing.ts');
    assert.equal(resolve('src/index.ts', 'ui'), 'packages/ui/index.js');
    assert.equal(resolve('src/index.ts', 'ui/button'), 'packages/ui/lib/button.jsx');
    assert.equal(resolve('src/index.ts', '@acme/core/nothing'), undefined);
  });

  it('an external package, or any package without the name map, is undefined', () => {
    assert.equal(resolve('src/index.ts', 'react'), undefined);
    assert.equal(resolve('src/index.ts', '@types/node'), undefined);
    assert.equal(resolve('src/index.ts', 'node:fs'), undefined);
    assert.equal(createImportResolver(paths)('src/index.ts', '@acme/core'), undefined);
  });
});

describe('createImportResolver: Python', () => {
  it('absolute: a module file or a package __init__.py from the repository root', () => {
    assert.equal(resolve('pkg/core/dataset.py', 'pkg.core.merge'), 'pkg/core/merge.py');
    assert.equal(resolve('pkg/core/dataset.py', 'pkg.core'), 'pkg/core/__init__.py');
    assert.equal(resolve('pkg/core/dataset.py', 'pkg'), 'pkg/__init__.py');
    // `from pkg.core.merge import func` also emits 'pkg.core.merge.func': a symbol, not a module.
    assert.equal(resolve('pkg/core/dataset.py', 'pkg.core.merge.func'), undefined);
  });

  it('absolute: under src/, any other source root, or a folder of scripts', () => {
    assert.equal(resolve('tests/test_models.py', 'app.models'), 'src/app/models.py');
    assert.equal(resolve('tests/test_models.py', 'app'), 'src/app/__init__.py');
    assert.equal(resolve('backend/main.py', 'service.api'), 'backend/service/api.py');
    assert.equal(resolve('scripts/run.py', 'tool'), 'scripts/tool.py');
  });

  it('absolute: when two source roots hold the same package, the one containing the importer wins', () => {
    assert.equal(resolve('svc2/main.py', 'common'), 'svc2/common/__init__.py');
    assert.equal(resolve('svc1/main.py', 'common'), 'svc1/common/__init__.py');
  });

  it("relative: '.' is the importer's package, each further dot one package up", () => {
    assert.equal(resolve('pkg/core/dataset.py', '.merge'), 'pkg/core/merge.py');
    assert.equal(resolve('pkg/core/dataset.py', '.'), 'pkg/core/__init__.py');
    assert.equal(resolve('pkg/core/dataset.py', '..utils'), 'pkg/utils.py');
    assert.equal(resolve('pkg/core/dataset.py', '..'), 'pkg/__init__.py');
    assert.equal(resolve('pkg/core/__init__.py', '.merge'), 'pkg/core/merge.py');
    assert.equal(resolve('pkg/core/dataset.py', '.missing'), undefined);
  });

  it('relative imports that climb out of the repository, and external modules, are undefined', () => {
    assert.equal(resolve('pkg/core/dataset.py', '....etc'), undefined);
    assert.equal(resolve('pkg/core/dataset.py', '....'), undefined);
    assert.equal(resolve('pkg/core/dataset.py', 'numpy'), undefined);
    assert.equal(resolve('pkg/core/dataset.py', 'os.path'), undefined);
  });
});

describe('createImportResolver at scale', () => {
  it('builds for 50,000 paths in under 200 ms and answers 50,000 look-ups quickly', () => {
    const many: string[] = [];
    for (let i = 0; i < 2500; i++) {
      for (let j = 0; j < 10; j++) many.push(`pkg${i % 50}/mod${i}/file${j}.py`, `web/part${i}/file${j}.ts`);
      many.push(`pkg${i % 50}/mod${i}/__init__.py`);
    }
    assert.ok(many.length >= 50_000);
    const started = performance.now();
    const big = createImportResolver(many);
    const built = performance.now() - started;
    assert.ok(built < 200, `built in ${built} ms`);
    const asked = performance.now();
    let found = 0;
    for (let i = 0; i < 25_000; i++) {
      if (big(`web/part${i % 2500}/file0.ts`, `../part${(i + 1) % 2500}/file3`)) found++;
      if (big(`pkg0/mod0/file0.py`, `mod${i % 2500}.file${i % 10}`)) found++;
    }
    const answered = performance.now() - asked;
    assert.equal(found, 50_000);
    assert.ok(answered < 500, `50,000 look-ups in ${answered} ms`);
  });
});
