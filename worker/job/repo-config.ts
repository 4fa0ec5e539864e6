// The per-repository config file, `.codingworker.yml` at the repository root, read from the checkout of the
// default branch BEFORE the agent runs (so the agent cannot rewrite its own test command). Untrusted input:
// validated with zod, size-capped; a broken file is reported, not obeyed. Documented in docs/pipeline.md.
//
//   test: npm test        # shell command run inside the sandbox after the change; exit 0 = pass
//   timeout: 300          # seconds the test command may run (capped by CW_COMMAND_TIMEOUT)
//   setup: [npm ci]       # commands run before the agent, network through the egress proxy only
//   setup_timeout: 900    # seconds for all setup commands
//   cache_key: [package-lock.json]   # files whose content keys the setup cache
//   egress: [registry.npmjs.org]     # narrows CW_EGRESS_ALLOW for this repository
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
    /** Commands run once per task before the agent, in order, with network through the egress proxy
     * only (docs/sandbox.md#network-for-setup-only): `npm ci`, `pip install -r requirements.txt`. Default: none. */
    setup: z
      .union([
        z.string().trim().min(1).max(2_000),
        z.array(z.string().trim().min(1).max(2_000)).min(1).max(20),
      ])
      .transform((value) => (typeof value === 'string' ? [value] : value))
      .optional(),
    /** Seconds all setup commands together may run. Default: 900. */
    setup_timeout: z.number().int().positive().max(7_200).optional(),
    /** Files whose content keys the setup cache (paths from the root). Default: the usual lock files at the root. */
    cache_key: z.array(z.string().trim().min(1).max(400)).max(20).optional(),
    /** Hosts setup may reach: only a narrowing of the operator's CW_EGRESS_ALLOW, never a widening. */
    egress: z.array(z.string().trim().min(1).max(255)).max(50).optional(),
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
      `${REPO_CONFIG_FILE} is invalid (${problems.join('; ')}): expected e.g. "test: npm test", "timeout: 300" and "setup: npm ci"`,
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
