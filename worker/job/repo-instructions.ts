// The repository's instructions for agents: AGENTS.md at the root of the default branch (the de-facto
// standard, read by Codex, Copilot, Jules, Cursor, aider), else CLAUDE.md, else
// .github/copilot-instructions.md. Read from the fresh clone BEFORE the agent runs, so the agent cannot
// write its own guidance. It is the repository's text, not the issue's, but still untrusted: hidden text is
// stripped, it is capped to a small share of the default model's context, and the prompts quote it as data
// below the fixed rules (worker/agent/prompts.ts). Documented in docs/agent.md.
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { capText, stripHiddenText } from '../agent/untrusted-text.ts';
import { errorMessage } from '../core/errors.ts';

/** Looked for in this order; the first one that is readable text is used. */
export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md'] as const;
/**
 * Characters of instructions given to the model: about 1,300 tokens at 3 characters a token, 4 % of the
 * default 32k CW_NUM_CTX, leaving the issue, the files shown and the reply their room (docs/agent.md).
 */
export const MAX_INSTRUCTION_CHARS = 4_000;
/** Bytes read at most: a huge file is not read past this (only its start can be used anyway). */
export const MAX_INSTRUCTION_BYTES = 256 * 1024;
/** Bytes looked at to tell text from a binary file. */
const SNIFF_BYTES = 1024;

export interface RepoInstructions {
  /** The repository-relative path used, e.g. "AGENTS.md". */
  file: string;
  /** The text for the prompt: hidden text stripped, capped with a line saying the rest was left out. */
  text: string;
  /** Some of the file was left out (over MAX_INSTRUCTION_CHARS, or over MAX_INSTRUCTION_BYTES). */
  truncated: boolean;
  /** Characters of the file after stripping hidden text, before the cap (of the part read). */
  originalChars: number;
}

type Found = { instructions: RepoInstructions } | { refused: string } | undefined;

/**
 * The instructions of the checkout, or undefined when it has none. A candidate that is a link, a directory
 * or binary is refused (logged) and the next one is tried: a repository often links CLAUDE.md to AGENTS.md.
 */
export async function readRepoInstructions(
  workspace: string,
  logger?: Pick<Logger, 'warn' | 'info'>,
): Promise<RepoInstructions | undefined> {
  for (const file of INSTRUCTION_FILES) {
    const found = await readCandidate(workspace, file).catch((error: unknown) => ({
      refused: `it could not be read (${errorMessage(error)})`,
    }));
    if (found === undefined) continue;
    if ('refused' in found) {
      logger?.warn({ file, reason: found.refused }, 'Repository instructions refused');
      continue;
    }
    const { instructions } = found;
    const meta = { file, chars: instructions.text.length, original_chars: instructions.originalChars };
    if (instructions.truncated) logger?.warn(meta, 'Repository instructions cut');
    else logger?.info(meta, 'Repository instructions read');
    return instructions;
  }
  return undefined;
}

async function readCandidate(workspace: string, file: string): Promise<Found> {
  // Every component is checked, not only the last: a linked .github/ could point out of the checkout.
  const parts = file.split('/');
  for (let depth = 1; depth <= parts.length; depth += 1) {
    const info = await lstat(join(workspace, ...parts.slice(0, depth))).catch(() => undefined);
    if (!info) return undefined;
    if (info.isSymbolicLink()) return { refused: 'it is a symbolic link (never followed)' };
    if (depth < parts.length && !info.isDirectory()) return undefined;
    if (depth === parts.length && !info.isFile()) return { refused: 'it is not a regular file' };
  }
  const bytes = await readStart(join(workspace, file), MAX_INSTRUCTION_BYTES + 1);
  if (!looksLikeText(bytes.subarray(0, SNIFF_BYTES))) {
    return { refused: 'it is not UTF-8 text (NUL bytes or invalid UTF-8 in its first KB)' };
  }
  const overBytes = bytes.length > MAX_INSTRUCTION_BYTES;
  const read = new TextDecoder('utf-8').decode(bytes.subarray(0, MAX_INSTRUCTION_BYTES));
  const stripped = stripHiddenText(read);
  // Only a file of hidden text could be over the byte limit and under the character cap: still say so.
  const text =
    overBytes && stripped.length <= MAX_INSTRUCTION_CHARS
      ? `${stripped}\n[CodingWorker: the rest of this file (over ${MAX_INSTRUCTION_BYTES} bytes) was left out]`
      : capText(stripped, MAX_INSTRUCTION_CHARS);
  return {
    instructions: {
      file,
      text,
      truncated: overBytes || stripped.length > MAX_INSTRUCTION_CHARS,
      originalChars: stripped.length,
    },
  };
}

/** The first `limit` bytes of a file, without reading the rest. */
async function readStart(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const { bytesRead } = await handle.read(buffer, length, limit - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** No NUL byte and valid UTF-8; a character cut at the end of the sample is not an error (stream). */
function looksLikeText(sample: Uint8Array): boolean {
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}
