// Resolves an import as written (an outline's `imports`) to a file of the checkout, so the context stage
// can follow a candidate file to the files it uses. Only the path list is known here, no file contents,
// so the rules are the ones a path alone can decide: Node/TypeScript relative and workspace-package
// imports, and Python modules under the repository root or a source root. Everything else (an external
// package, a path outside the repository) resolves to undefined.

import { posix } from 'node:path';

export type ImportResolver = (fromPath: string, specifier: string) => string | undefined;

const JS_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
// TypeScript compiled to ESM names the output file: `import './util.js'` means util.ts.
const WRITTEN_FOR = new Map([
  ['.js', ['.ts', '.tsx']],
  ['.jsx', ['.tsx']],
  ['.mjs', ['.mts']],
  ['.cjs', ['.cts']],
]);

/**
 * @param paths repository-relative POSIX paths, as the inventory lists them.
 * @param packageNames workspace packages: name (from each `<dir>/package.json`) to `<dir>` ('' for the root).
 */
export function createImportResolver(
  paths: readonly string[],
  packageNames: ReadonlyMap<string, string> = new Map(),
): ImportResolver {
  const files = new Set(paths);
  const pythonRoots = indexPythonRoots(paths, files);
  const jsFile = (base: string) => findJsFile(files, base);
  return (fromPath, specifier) => {
    if (/\.pyi?$/.test(fromPath)) return resolvePython(files, pythonRoots, fromPath, specifier);
    const bare = specifier.replace(/[?#].*$/, '');
    if (bare.startsWith('.')) return inside(posix.join(posix.dirname(fromPath), bare), jsFile);
    return resolvePackage(packageNames, bare, jsFile);
  };
}

/** `base` normalised, or undefined when it leaves the repository ('../../etc/passwd', '/etc'). */
function inside(base: string, lookup: (base: string) => string | undefined): string | undefined {
  const normal = posix.normalize(base);
  if (normal === '..' || normal.startsWith('../') || posix.isAbsolute(normal)) return undefined;
  return lookup(normal === '.' ? '' : normal);
}

function findJsFile(files: ReadonlySet<string>, base: string): string | undefined {
  if (files.has(base)) return base;
  const extension = posix.extname(base);
  for (const replacement of WRITTEN_FOR.get(extension) ?? []) {
    const candidate = base.slice(0, -extension.length) + replacement;
    if (files.has(candidate)) return candidate;
  }
  const prefix = base === '' ? '' : `${base}/`;
  for (const stem of [base, `${prefix}index`]) {
    if (stem === '') continue;
    for (const ext of JS_EXTENSIONS) if (files.has(stem + ext)) return stem + ext;
  }
  return undefined;
}

/** '@scope/pkg/sub' or 'pkg/sub' inside a workspace package: its src/, its root, then lib/. */
function resolvePackage(
  packageNames: ReadonlyMap<string, string>,
  specifier: string,
  jsFile: (base: string) => string | undefined,
): string | undefined {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const dir = packageNames.get(parts.slice(0, nameLength).join('/'));
  if (dir === undefined) return undefined;
  const sub = parts.slice(nameLength).join('/') || 'index';
  for (const folder of ['src', '', 'lib']) {
    const found = inside(posix.join(dir, folder, sub), jsFile);
    if (found) return found;
  }
  return undefined;
}

/**
 * Where top-level Python packages and modules live: for each name, the directories ('' for the
 * repository root) that hold `<name>/__init__.py` or `<name>.py` and are not packages themselves —
 * the root, `src/`, or any other source root.
 */
function indexPythonRoots(paths: readonly string[], files: ReadonlySet<string>): Map<string, string[]> {
  const roots = new Map<string, string[]>();
  const add = (name: string, root: string) => {
    const list = roots.get(name);
    if (!list) roots.set(name, [root]);
    else if (!list.includes(root)) list.push(root);
  };
  const isPackage = (dir: string) => files.has(dir === '' ? '__init__.py' : `${dir}/__init__.py`);
  for (const path of paths) {
    if (!path.endsWith('.py')) continue;
    const dir = parentDir(path);
    const isInit = path === '__init__.py' || path.endsWith('/__init__.py');
    if (isInit && dir !== '' && !isPackage(parentDir(dir))) add(posix.basename(dir), parentDir(dir));
    if (!isInit && !isPackage(dir)) add(posix.basename(path, '.py'), dir);
  }
  return roots;
}

function parentDir(path: string): string {
  const dir = posix.dirname(path);
  return dir === '.' ? '' : dir;
}

function resolvePython(
  files: ReadonlySet<string>,
  roots: ReadonlyMap<string, string[]>,
  fromPath: string,
  specifier: string,
): string | undefined {
  const dots = /^\.*/.exec(specifier)![0].length;
  const dotted = specifier.slice(dots);
  const modulePath = dotted === '' ? '' : dotted.split('.').join('/');
  if (dots > 0) {
    // '.x' is in fromPath's own package; each further dot is one package up.
    let base = parentDir(fromPath);
    for (let i = 1; i < dots; i++) {
      if (base === '') return undefined;
      base = parentDir(base);
    }
    return pythonModule(files, base, modulePath);
  }
  if (modulePath === '') return undefined;
  const top = dotted.split('.')[0]!;
  // The repository root first, then the source roots nearest to the importing file.
  const candidates = [
    '',
    ...(roots.get(top) ?? []).toSorted((a, b) => nearness(fromPath, b) - nearness(fromPath, a)),
  ];
  for (const root of candidates) {
    const found = pythonModule(files, root, modulePath);
    if (found) return found;
  }
  return undefined;
}

function pythonModule(files: ReadonlySet<string>, root: string, modulePath: string): string | undefined {
  const base = [root, modulePath].filter((part) => part !== '').join('/');
  const init = base === '' ? '__init__.py' : `${base}/__init__.py`;
  // `from . import x` names the package itself: only its __init__.py can be that.
  const candidates = modulePath === '' ? [init] : [`${base}.py`, init, `${base}.pyi`];
  return candidates.find((candidate) => files.has(candidate));
}

/** How long a prefix `root` shares with `fromPath`: a root containing the importer wins. */
function nearness(fromPath: string, root: string): number {
  return root === '' || fromPath.startsWith(`${root}/`) ? root.length : -1;
}
