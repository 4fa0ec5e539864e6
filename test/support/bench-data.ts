// Where the third-party benchmark data (SWE-bench, QuixBugs, HumanEvalFix) is: CW_BENCH_DIR when set,
// else `../shared/bench` beside the repository (where CI and the team's machines keep it), else this
// workplace's `/work/shared/bench` for a clone made elsewhere (a fresh clone under /tmp, say).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export function benchDataDir(): string {
  const candidates = [process.env.CW_BENCH_DIR, join(root, '..', 'shared', 'bench'), '/work/shared/bench'];
  for (const candidate of candidates) {
    if (candidate && existsSync(join(candidate, 'README.md'))) return resolve(candidate);
  }
  return join(root, '..', 'shared', 'bench');
}
