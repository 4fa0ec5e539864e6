// Where the third-party benchmark data (SWE-bench, QuixBugs, HumanEvalFix) is: CW_BENCH_DIR when set,
// else `../shared/bench` beside the repository (where CI and the team's machines keep it), else this
// workplace's `/work/shared/bench` for a clone made elsewhere (a fresh clone under /tmp, say).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export function benchDataDir(): string {
  const candidates = [process.env.CW_BENCH_DIR, join(root, '..', 'shared', 'bench'), '/work/shared/bench'];
  for (const candidate of candidates) {
    if (candidate && existsSync(join(candidate, 'README.md'))) return resolve(candidate);
  }
  return join(root, '..', 'shared', 'bench');
}

/** One SWE-bench instance, with the fields the localizer's checks read. */
export interface SweInstance {
  instance_id: string;
  repo: string;
  problem_statement: string;
  patch: string;
}

/** The instances of an `instances.jsonl` file, one JSON object a line. */
export function readSweInstances(file: string): SweInstance[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SweInstance);
}

/** The files the merged fix changed ("gold"): the `diff --git a/<path>` lines of its patch. */
export function goldFiles(instance: SweInstance): string[] {
  return [...instance.patch.matchAll(/^diff --git a\/(\S+)/gm)].map((match) => match[1] ?? '');
}
