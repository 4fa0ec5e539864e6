// Makes a large git repository for timing the localizer: FILES small source files (.py/.ts/.js, a few
// hundred bytes each, nested folders, some defining functions) plus a node_modules/ tree and binaries the
// inventory must skip, all in one commit. Deterministic: the same FILES gives the same tree.
//   node scripts/make-large-repo.ts DIR [FILES=50000]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILES_PER_DIR = 40;
const DIRS_PER_PACKAGE = 25;
const VENDORED_FILES = 500;
const BINARY_FILES = 100;

const [dir, countArg] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: node scripts/make-large-repo.ts DIR [FILES=50000]');
  process.exit(2);
}
const count = Number(countArg ?? 50_000);
if (!Number.isInteger(count) || count < 1) {
  console.error(`FILES must be a positive whole number, not ${countArg}`);
  process.exit(2);
}
if (existsSync(dir) && readdirSync(dir).length > 0) {
  console.error(`${dir} exists and is not empty: give a new directory`);
  process.exit(2);
}

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir!, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

function write(path: string, content: string | Buffer): void {
  const full = join(dir!, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
}

/** A few hundred bytes of plausible source; every third file defines functions the localizer can find. */
function source(i: number, ext: string): string {
  const name = `handler${i}`;
  const withFunctions = i % 3 === 0;
  if (ext === 'py') {
    const body = withFunctions
      ? `def ${name}(request, limit=10):\n    """Handle request ${i} up to a limit."""\n    items = request.items[:limit]\n    return [item.value * ${i % 7} for item in items]\n\n\nclass Model${i}:\n    def save(self):\n        return ${name}(self)\n`
      : `# Settings for part ${i} of the service.\nTIMEOUT_${i} = ${i % 60}\nNAMES_${i} = ["alpha", "beta", "gamma"]\n`;
    return `"""Module ${i}: generated for the localizer benchmark."""\nimport os\n\n${body}`;
  }
  const body = withFunctions
    ? `export function ${name}(input${ext === 'ts' ? ': number[]' : ''}) {\n  // Sum the inputs of part ${i}.\n  return input.reduce((sum, x) => sum + x * ${i % 7}, 0);\n}\n\nexport class Service${i} {\n  run() {\n    return ${name}([1, 2, 3]);\n  }\n}\n`
    : `// Settings for part ${i} of the service.\nexport const timeout${i} = ${i % 60};\nexport const names${i} = ['alpha', 'beta', 'gamma'];\n`;
  return `import { readFileSync } from 'node:fs';\n\n${body}`;
}

function pathOf(i: number, ext: string): string {
  const folder = Math.floor(i / FILES_PER_DIR);
  const pkg = Math.floor(folder / DIRS_PER_PACKAGE);
  return `packages/pkg${pkg}/part${folder % DIRS_PER_PACKAGE}/module${i}.${ext}`;
}

const started = performance.now();
mkdirSync(dir, { recursive: true });
git('init', '-q', '--initial-branch=main');
const extensions = ['py', 'ts', 'js'];
for (let i = 0; i < count; i++) {
  const ext = extensions[i % extensions.length]!;
  write(pathOf(i, ext), source(i, ext));
}
for (let i = 0; i < VENDORED_FILES; i++) {
  write(
    `node_modules/dep${i % 20}/lib/file${i}.js`,
    `module.exports = function dep${i}() { return ${i}; };\n`,
  );
}
for (let i = 0; i < BINARY_FILES; i++) {
  const header = i % 2 === 0 ? Buffer.from([0x89, 0x50, 0x4e, 0x47]) : Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
  write(`assets/image${i}.${i % 2 === 0 ? 'png' : 'bin'}`, Buffer.concat([header, Buffer.alloc(512)]));
}
const written = performance.now();
git('add', '.');
git('commit', '-q', '-m', `${count} source files, a node_modules tree and binaries`);
const done = performance.now();
const seconds = (ms: number) => (ms / 1000).toFixed(1);
console.log(
  `${dir}: ${count} source files + ${VENDORED_FILES} vendored + ${BINARY_FILES} binary in ${seconds(done - started)} s ` +
    `(write ${seconds(written - started)} s, git add+commit ${seconds(done - written)} s)`,
);
