// The localizer: given a checkout and an issue's text, the files the issue is most likely about, with
// their scores, reasons and related definitions, and a compact map of the repository for prompts.
// Deterministic and model-free, so it costs the laptop no model call: inventory -> outlines -> clues
// -> ranking. The issue text only selects among files the inventory holds.
import { createImportResolver } from './imports.ts';
import {
  defaultInventoryLimits,
  type InventoryLimits,
  isCodePath,
  isDocPath,
  isTestPath,
  readInventory,
} from './inventory.ts';
import { readIssueClues } from './issue-clues.ts';
import { rankFiles } from './rank.ts';
import { renderRepoMap } from './repo-map.ts';
import { outlineFile } from './symbols.ts';
import type { FileOutline, InventoryFile, LocalizeResult } from './types.ts';

export interface LocalizeOptions {
  repoPath: string;
  issueText: string;
  /** How many candidates to return (default 10). */
  top?: number;
  limits?: Partial<InventoryLimits>;
}

export interface Localization extends LocalizeResult {
  /** How many files were read and indexed: what time and memory grow with. */
  files: number;
  /** Paths and top-level definitions, candidates first, cut to about `tokens` tokens. */
  repoMap(tokens: number): string;
}

export async function localize(options: LocalizeOptions): Promise<Localization> {
  const started = performance.now();
  const clues = readIssueClues(options.issueText);
  // Test files and fixtures are most of a large repository and rarely where a fix lands: unless the
  // issue is about tests they are listed (a test it names still counts) but not read.
  const inventory = await readInventory(options.repoPath, {
    ...defaultInventoryLimits,
    ...options.limits,
    read: clues.aboutTests ? undefined : (path) => !isTestPath(path),
    unreadReason: 'test file (the issue is not about tests)',
  });
  const outlines = await outlineAll(inventory.files);
  const packages = packageDirectories(inventory.files);
  const candidates = rankFiles(
    {
      files: inventory.files,
      paths: inventory.paths,
      outlines,
      clues,
      resolveImport: createImportResolver(
        inventory.files.map((file) => file.path),
        packages,
      ),
      packages,
      isTest: isTestPath,
      isDoc: isDocPath,
    },
    options.top ?? 10,
  );
  return {
    candidates,
    skipped: inventory.skipped,
    ms: Math.round(performance.now() - started),
    files: inventory.files.length,
    repoMap: (tokens) => renderRepoMap(inventory.files, outlines, candidates, tokens),
  };
}

async function outlineAll(files: readonly InventoryFile[]): Promise<Map<string, FileOutline>> {
  const outlines = new Map<string, FileOutline>();
  for (const file of files) {
    // A code sample in a README or changelog is not a definition of the project's.
    if (!isCodePath(file.path)) continue;
    const outline = await outlineFile(file.path, file.text);
    if (outline.symbols.length > 0 || outline.imports.length > 0) outlines.set(file.path, outline);
  }
  return outlines;
}

/** The packages a JavaScript monorepo holds, by name, so `@scope/pkg` imports resolve inside it. */
function packageDirectories(files: readonly InventoryFile[]): Map<string, string> {
  const directories = new Map<string, string>();
  for (const file of files) {
    if (file.path !== 'package.json' && !file.path.endsWith('/package.json')) continue;
    const name = packageName(file.text);
    if (name) directories.set(name, file.path.slice(0, -'package.json'.length).replace(/\/$/, ''));
  }
  return directories;
}

function packageName(json: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    const name = (parsed as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
