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

/** A CLI subprocess's outcome whether it exited 0 or not: its exit code (-1 when killed) and output. */
export function settled(
  running: Promise<{ stdout: string; stderr: string }>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return running.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout: string; stderr: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}
