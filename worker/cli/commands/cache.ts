// `codingworker cache list|prune`: what the setup cache keeps under <CW_WORK_DIR>/cache, and clearing it.
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import pino from 'pino';
import { formatSize } from '../../core/free-space.ts';
import { loadSettings } from '../../core/settings.ts';
import { type CacheEntry, createSetupCache } from '../../job/setup-cache.ts';
import { renderTable } from '../table.ts';

function openCache(level: 'silent' | 'warn') {
  const settings = loadSettings();
  const root = join(settings.agent.workDir, 'cache');
  const maxBytes = settings.agent.cacheMaxMb * 1024 ** 2;
  const logger = pino({ level }, removedLines);
  return { root, maxBytes, cache: createSetupCache({ root, maxBytes, logger }) };
}

function table(entries: CacheEntry[]): string {
  const header = ['REPOSITORY', 'KEY', 'SIZE', 'FILES', 'CREATED', 'LAST USED', 'STATE'];
  const rows = entries.map((entry) => [
    entry.repository,
    entry.key.slice(0, 12),
    formatSize(entry.bytes),
    String(entry.files),
    minute(entry.createdAt),
    minute(entry.lastUsedAt),
    entry.problem ? `corrupt: ${entry.problem}` : 'ok',
  ]);
  return renderTable(header, rows);
}

export function register(program: Command): void {
  const cache = program
    .command('cache')
    .description(
      'the setup cache: what setup installed, kept per repository and key under CW_WORK_DIR/cache',
    );

  cache
    .command('list')
    .description('show the cached entries, their size and use, and the total against CW_CACHE_MAX_MB')
    .option('--json', 'one JSON object instead of the table')
    .action(async (options: { json?: boolean }) => {
      const { root, maxBytes, cache: setupCache } = openCache('silent');
      const entries = (await setupCache.list()).sort(
        (a, b) => a.repository.localeCompare(b.repository) || b.lastUsedAt.localeCompare(a.lastUsedAt),
      );
      const totalBytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);
      if (options.json) {
        console.log(JSON.stringify({ root, maxBytes, totalBytes, entries }, null, 2));
        return;
      }
      const cap = `${formatSize(totalBytes)} of ${formatSize(maxBytes)} (CW_CACHE_MAX_MB)`;
      if (entries.length === 0) console.log(`the setup cache ${root} is empty: ${cap}`);
      else console.log(`${table(entries)}\n\n${entries.length} entries in ${root}: ${cap}`);
    });

  cache
    .command('prune')
    .description('remove corrupt entries and those over the cap; or one repository, or everything')
    .addOption(
      new Option('--repository <owner/name>', 'remove every entry of this repository').conflicts('all'),
    )
    .option('--all', 'remove every entry')
    .action(async (options: { repository?: string; all?: boolean }) => {
      const { root, cache: setupCache } = openCache('warn');
      const freed = await setupCache.prune({
        ...(options.repository !== undefined ? { repository: options.repository } : {}),
        ...(options.all ? { all: true } : {}),
      });
      console.log(
        `removed ${freed.removed} entr${freed.removed === 1 ? 'y' : 'ies'} (${formatSize(freed.bytes)}) from ${root}`,
      );
    });
}

/** One line per removed entry on stderr, for a person: which one and why. */
const removedLines = {
  write(line: string): void {
    const { msg, repository, key, reason } = JSON.parse(line) as Record<string, string | undefined>;
    process.stderr.write(`  ${msg}: ${repository ?? '-'} ${key?.slice(0, 12) ?? ''} (${reason ?? ''})\n`);
  },
};

/** An ISO time to the minute, as a person reads it in a table (UTC). */
function minute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
