// The per-repository config file, `.codingworker.yml` at the repository root, read from the checkout of the
// default branch BEFORE the agent runs (so the agent cannot rewrite its own test command). Untrusted input:
// validated with zod, size-capped; a broken file is reported, not obeyed. Documented in docs/pipeline.md.
//
//   test: npm test        # shell command run inside the sandbox after the change; exit 0 = pass
//   timeout: 300          # seconds the test command may run (capped by CW_COMMAND_TIMEOUT)
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';

export const REPO_CONFIG_FILE = '.codingworker.yml';
const MAX_BYTES = 16_384;

export const RepoConfigSchema = z
  .object({
    /** The repository's test command, run in the sandbox with the repository root as working directory. Default: none. */
    test: z.string().trim().min(1).max(2_000).optional(),
    /** Seconds the test command may run. Default: CW_COMMAND_TIMEOUT (300). */
    timeout: z.number().int().positive().max(43_200).optional(),
  })
  .strict();

export type RepoConfig = z.infer<typeof RepoConfigSchema>;

/** Parses the file's text. Throws PermanentError saying what is wrong and how the file should look. */
export function parseRepoConfig(text: string): RepoConfig {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 10 }) ?? {};
  } catch (error) {
    throw new PermanentError(
      `${REPO_CONFIG_FILE} is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const result = RepoConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new PermanentError(
      `${REPO_CONFIG_FILE} is invalid (${problems.join('; ')}): expected e.g. "test: npm test" and "timeout: 300"`,
    );
  }
  return result.data;
}

/** Reads the config from a checkout; no file means an empty config. */
export async function readRepoConfig(checkout: string): Promise<RepoConfig> {
  const path = join(checkout, REPO_CONFIG_FILE);
  const info = await lstat(path).catch(() => undefined);
  if (!info) return {};
  if (!info.isFile())
    throw new PermanentError(`${REPO_CONFIG_FILE} must be a regular file, not a link or directory`);
  if (info.size > MAX_BYTES)
    throw new PermanentError(`${REPO_CONFIG_FILE} is larger than ${MAX_BYTES} bytes`);
  return parseRepoConfig(await readFile(path, 'utf8'));
}
