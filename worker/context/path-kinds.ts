// What a path says about a file before it is read: vendored or generated, a lock file, binary, a test, a
// doc. The inventory skips the first kinds without opening them, and orders the rest so that a cap on a
// huge repository cuts tests and docs before source. Small tables: a name goes in only when the files
// under it are almost never what an issue is about.

/** Directory names whose files someone else wrote or a tool produced. Matched on any directory segment. */
const TREE_SEGMENTS = new Map<string, string>(
  Object.entries({
    // Copies of dependencies, checked in so a build works offline.
    node_modules: 'vendored',
    bower_components: 'vendored',
    vendor: 'vendored',
    third_party: 'vendored',
    'site-packages': 'vendored',
    // Virtual environments committed by mistake: a whole Python install.
    '.venv': 'vendored',
    venv: 'vendored',
    '.tox': 'vendored',
    // Build output, rebuilt from the sources next to it; an edit there is lost on the next build.
    dist: 'generated',
    build: 'generated',
    out: 'generated',
    target: 'generated', // Cargo and Maven/Gradle
    coverage: 'generated',
    __pycache__: 'generated',
    '.mypy_cache': 'generated',
    // Code a script writes (the builders and types of an AST library, GraphQL and OpenAPI clients):
    // a fix goes into the script, and the next run overwrites an edit here.
    generated: 'generated',
    __generated__: 'generated',
    // Git's own store: never a source file, even where a nested repository was copied in.
    '.git': 'generated',
  }),
);

/** File-name endings of tool output that sits next to sources. */
const GENERATED_SUFFIXES = [
  '.min.js', // minified bundles: one line, unreadable
  '.min.css',
  '.map', // source maps: JSON of the bundle's positions
  '.pb.go', // protobuf stubs; the .proto next to them is the source
  '_pb2.py',
  '_pb2_grpc.py',
  '.snap', // Jest snapshots: recorded output, updated by the test runner
];

/** Written by package managers; thousands of lines of hashes that no issue is fixed in. */
const LOCK_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'Cargo.lock',
  'composer.lock',
  'Gemfile.lock',
  'go.sum',
]);

/** Extensions of files that are never text: skipped without reading a byte. */
const BINARY_EXTENSIONS = new Set(
  [
    // images
    'png jpg jpeg gif bmp ico icns webp tif tiff psd xcf heic avif',
    // archives and packages
    'zip gz tgz bz2 xz zst lz4 7z rar tar jar war ear whl egg deb rpm apk dmg iso',
    // fonts
    'ttf otf woff woff2 eot',
    // compiled code and objects
    'o a so dylib dll exe obj lib class pyc pyo pyd elc beam wasm node',
    // audio and video
    'mp3 mp4 m4a aac wav ogg oga flac avi mov mkv webm',
    // documents
    'pdf doc docx xls xlsx ppt pptx odt ods odp',
    // data and model files
    'sqlite sqlite3 db npy npz pkl pickle h5 hdf5 parquet onnx pt pth safetensors',
  ]
    .join(' ')
    .split(' '),
);

/** Where minified text is likely: the extensions the minified check is run on. */
const MINIFIABLE_EXTENSIONS = new Set(['js', 'mjs', 'cjs', 'jsx', 'css', 'scss', 'less', 'json']);

const TEST_SEGMENTS = new Set([
  'test',
  'tests',
  'testing',
  '__tests__',
  'spec',
  'e2e',
  'fixtures',
  '__fixtures__',
  '__snapshots__',
  'testdata', // Go's folder of fixtures
]);

/** Test file names by convention: pytest, Go, Jest/Vitest/Mocha, JUnit, RSpec. */
const TEST_NAMES = [
  /^test_.*\.py$/,
  /_test\.py$/,
  /_test\.go$/,
  /\.(test|spec)\.[^.]+$/,
  /^conftest\.py$/,
  /Test\.java$/,
  /_spec\.rb$/,
];

const DOC_SEGMENTS = new Set(['docs', 'doc', 'documentation', 'examples', 'example']);
const DOC_EXTENSIONS = new Set(['md', 'markdown', 'rst', 'txt', 'adoc', 'asciidoc']);
// Prose files that often have no extension: release notes and credits repeat every issue's words.
const DOC_NAMES =
  /^(?:changelog|changes|history|news|authors|contributors|readme|license|copying)(?:[.-]|$)/i;
const CODE_EXTENSIONS = new Set(
  (
    'py pyi js jsx mjs cjs ts tsx mts cts go rs java kt kts scala groovy rb php cs fs c h cc cpp cxx hpp ' +
    'hh m mm swift dart lua pl pm sh bash zsh r jl ex exs erl hrl hs ml mli clj cljs elm vue svelte zig nim'
  ).split(' '),
);

function splitPath(path: string): { dirs: string[]; name: string } {
  const parts = path.split('/');
  const name = parts.pop() ?? '';
  return { dirs: parts, name };
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Why a path is left out before it is read ("vendored", "generated", "lock file", "binary"), or undefined. */
export function pathSkipReason(path: string): string | undefined {
  const { dirs, name } = splitPath(path);
  for (const dir of dirs) {
    const reason = TREE_SEGMENTS.get(dir);
    if (reason !== undefined) return reason;
  }
  if (LOCK_FILES.has(name)) return 'lock file';
  const lower = name.toLowerCase();
  if (GENERATED_SUFFIXES.some((suffix) => lower.endsWith(suffix))) return 'generated';
  if (BINARY_EXTENSIONS.has(extensionOf(name))) return 'binary';
  return undefined;
}

/** A test, a fixture or a snapshot, by directory segment or file-name convention. */
export function isTestPath(path: string): boolean {
  const { dirs, name } = splitPath(path);
  // A segment, not a prefix: `src/testing_utils.py` is source, `testing/utils.py` is not.
  if (dirs.some((dir) => TEST_SEGMENTS.has(dir.toLowerCase()))) return true;
  return TEST_NAMES.some((pattern) => pattern.test(name));
}

/** Documentation: under a docs or examples folder, prose by extension, or a changelog-like name. */
export function isDocPath(path: string): boolean {
  const { dirs, name } = splitPath(path);
  if (dirs.some((dir) => DOC_SEGMENTS.has(dir.toLowerCase()))) return true;
  return DOC_EXTENSIONS.has(extensionOf(name)) || DOC_NAMES.test(name);
}

const TOOL_CONFIG_NAMES = [
  /\.config\.[cm]?[jt]s$/i,
  /^\.[\w-]+rc\.[cm]?[jt]s$/i,
  /^(?:gulpfile|gruntfile|jakefile)(?:\.[\w-]+)*\.[cm]?[jt]s$/i,
];

/**
 * A build or tool configuration written as code: `jest.config.js`, `.eslintrc.js`, `gulpfile.js`. Its
 * functions configure the project's tools, not the project, and it names many of the project's own
 * packages and options, so plain word overlap makes it look relevant to any issue.
 */
export function isToolConfigPath(path: string): boolean {
  return TOOL_CONFIG_NAMES.some((pattern) => pattern.test(splitPath(path).name));
}

/**
 * Source code, by extension, outside the docs: the files worth outlining. Configuration and data
 * (JSON, YAML, INI) and prose are still indexed for their words, but hold no definitions to find.
 */
export function isCodePath(path: string): boolean {
  return CODE_EXTENSIONS.has(extensionOf(splitPath(path).name)) && !isDocPath(path);
}

/** Where a file goes when the caps cut: source first (0), then docs (1), then tests and fixtures (2). */
export function capRank(path: string): number {
  if (isTestPath(path)) return 2;
  return isDocPath(path) ? 1 : 0;
}

/** JS/CSS-like files, the ones worth the minified check. */
export function mayBeMinified(path: string): boolean {
  return MINIFIABLE_EXTENSIONS.has(extensionOf(splitPath(path).name));
}
