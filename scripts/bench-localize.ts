// The localizer on real issues: checks each SWE-bench instance out of its bundle, localizes the issue
// text, and prints recall@k (a gold file — one the merged fix changed — at or above rank k),
// all-gold@5, time and peak memory per instance, and every instance that missed at 5.
//
//   node scripts/bench-localize.ts [instances.jsonl] [bundles dir] [--only REPO] [--large FILES]
//
// Defaults to swe-bench-dev in ../shared/bench beside the repository (or CW_BENCH_DIR). Each instance
// runs in a child process of its own (`--one REPO ISSUE_FILE`), so its peak memory (maxRSS) is its own.
// `--large 50000` also times a generated repository of that many files.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDataDir, goldFiles, readSweInstances, type SweInstance } from '../test/support/bench-data.ts';

interface ChildResult {
  ranked: string[];
  ms: number;
  maxRssMb: number;
  skipped: number;
  /** Files read (indexed), which is what time and memory grow with. */
  files: number;
}

const self = fileURLToPath(import.meta.url);
const benchDir = join(benchDataDir(), 'swe-bench-dev');

if (process.argv[2] === '--one') await runOne(process.argv[3] ?? '', process.argv[4] ?? '');
else await main(process.argv.slice(2));

/** Child mode: one localization, its ranking and figures as JSON on stdout. */
async function runOne(repoPath: string, issueFile: string): Promise<void> {
  // As the worker and the CLI run it: in its own thread (worker/context/localize-thread.ts).
  const { localizeInThread } = await import('../worker/context/localize-thread.ts');
  const result = await localizeInThread({ repoPath, issueText: readFileSync(issueFile, 'utf8'), top: 10 });
  const figures: ChildResult = {
    ranked: result.candidates.map((candidate) => candidate.path),
    ms: result.ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    skipped: result.skipped.files,
    files: result.files,
  };
  process.stdout.write(JSON.stringify(figures));
}

async function main(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const only = flag('--only');
  const large = flag('--large');
  const instancesFile = resolve(args[0] ?? join(benchDir, 'instances.jsonl'));
  const bundles = resolve(args[1] ?? join(benchDir, 'repos'));
  const instances = readSweInstances(instancesFile).filter(
    (instance) => !only || instance.repo.endsWith(`/${only}`),
  );
  const work = mkdtempSync(join(tmpdir(), 'cw-bench-localize-'));
  try {
    const rows = instances.map((instance) => measure(instance, bundles, work));
    report(rows);
    if (large) reportLarge(Number(large), work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Row {
  instance: SweInstance;
  gold: string[];
  result: ChildResult;
}

function measure(instance: SweInstance, bundles: string, work: string): Row {
  const name = instance.repo.split('/')[1] ?? instance.repo;
  const checkout = join(work, name);
  if (!existsSync(checkout)) git(['clone', '-q', join(bundles, `${name}.bundle`), checkout], work);
  git(['checkout', '-q', '-f', instance.instance_id], checkout);
  const issueFile = join(work, 'issue.md');
  writeFileSync(issueFile, instance.problem_statement);
  const result = child(checkout, issueFile);
  const gold = goldFiles(instance);
  return { instance, gold, result };
}

function child(repoPath: string, issueFile: string): ChildResult {
  const run = spawnSync(process.execPath, [self, '--one', repoPath, issueFile], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0)
    throw new Error(`localize failed on ${repoPath}: ${run.stderr.trim().split('\n')[0]}`);
  return JSON.parse(run.stdout) as ChildResult;
}

function git(args: string[], cwd: string): void {
  execFileSync('git', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function rankOfFirstGold(row: Row): number {
  const rank = row.result.ranked.findIndex((path) => row.gold.includes(path));
  return rank < 0 ? Number.POSITIVE_INFINITY : rank + 1;
}

function report(rows: Row[]): void {
  const share = (test: (row: Row) => boolean) =>
    `${((100 * rows.filter(test).length) / rows.length).toFixed(1)} % (${rows.filter(test).length}/${rows.length})`;
  console.log(`instances: ${rows.length}`);
  for (const k of [1, 3, 5, 10]) console.log(`recall@${k}: ${share((row) => rankOfFirstGold(row) <= k)}`);
  console.log(
    `all-gold@5: ${share((row) => row.gold.every((path) => row.result.ranked.slice(0, 5).includes(path)))}`,
  );
  const ms = rows.map((row) => row.result.ms);
  const rss = rows.map((row) => row.result.maxRssMb);
  console.log(
    `time per instance: median ${percentile(ms, 50)} ms, p95 ${percentile(ms, 95)} ms, max ${Math.max(...ms)} ms`,
  );
  console.log(
    `peak memory (process maxRSS): median ${percentile(rss, 50).toFixed(0)} MB, max ${Math.max(...rss).toFixed(0)} MB`,
  );
  reportByRepository(rows);
  const slowest = rows.reduce((a, b) => (b.result.ms > a.result.ms ? b : a));
  const largest = rows.reduce((a, b) => (b.result.maxRssMb > a.result.maxRssMb ? b : a));
  console.log(
    `slowest: ${slowest.instance.instance_id} ${slowest.result.ms} ms, ${slowest.result.files} files read`,
  );
  console.log(
    `largest: ${largest.instance.instance_id} ${largest.result.maxRssMb.toFixed(0)} MB, ${largest.result.files} files read`,
  );
  for (const row of rows) {
    if (rankOfFirstGold(row) <= 5 && row.gold.every((path) => row.result.ranked.slice(0, 5).includes(path)))
      continue;
    const above = row.result.ranked.slice(0, 5).filter((path) => !row.gold.includes(path));
    console.log(
      `missed at 5: ${row.instance.instance_id} gold ${row.gold.join(', ')} (first at ${rankOfFirstGold(row)}); above: ${above.join(', ')}`,
    );
  }
}

/** How time and memory grow with the repository: one line per repository, by files tracked and read. */
function reportByRepository(rows: Row[]): void {
  const byRepository = Map.groupBy(rows, (row) => row.instance.repo);
  for (const [repo, group] of byRepository) {
    const ms = group.map((row) => row.result.ms);
    const files = group.map((row) => row.result.files);
    const rss = group.map((row) => row.result.maxRssMb);
    console.log(
      `${repo}: ${group.length} instances, ${percentile(files, 50)} files read, median ${percentile(ms, 50)} ms, max ${Math.max(...ms)} ms, peak ${Math.max(...rss).toFixed(0)} MB`,
    );
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function reportLarge(files: number, work: string): void {
  const repo = join(work, 'large');
  execFileSync(process.execPath, [resolve(self, '../make-large-repo.ts'), repo, String(files)], {
    stdio: 'ignore',
  });
  const issueFile = join(work, 'large-issue.md');
  writeFileSync(issueFile, 'Calling `compute_total` raises a TypeError when the list is empty.');
  const result = child(repo, issueFile);
  console.log(
    `large repository (${files} files): ${result.ms} ms, peak ${result.maxRssMb.toFixed(0)} MB, skipped ${result.skipped} files`,
  );
}
