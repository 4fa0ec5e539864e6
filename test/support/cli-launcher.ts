// The real `codingworker` launcher for tests: bin/codingworker.js copied into `root`, whose
// build/worker/cli/cli.js loads the current sources (Node 24 strips the types) — never a stale build/, no
// compile step. Run `node <root>/bin/codingworker.js …`.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

export function launcherRoot(root: string): string {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'build', 'worker', 'cli'), { recursive: true });
  cpSync(join(ROOT, 'bin', 'codingworker.js'), join(root, 'bin', 'codingworker.js'));
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  writeFileSync(
    join(root, 'build', 'worker', 'cli', 'cli.js'),
    `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'worker', 'cli', 'cli.ts')).href)});\n`,
  );
  return root;
}
