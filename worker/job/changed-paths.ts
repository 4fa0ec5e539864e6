// The paths of a change as git lists them (-z): bytes until shown, since a file name need not be UTF-8;
// shown escaped, so a name can be neither mangled nor used to break a line of the pull request.

import { isInvisible } from '../agent/untrusted-text.ts';

export interface ChangedFile {
  /** The path as shown: UTF-8, with bytes that are not (and control characters) escaped as \xNN. */
  path: string;
  /** The path's bytes, only when they differ from `path` (not UTF-8): use pathBytes() for the disk. */
  raw?: Buffer;
  status: 'added' | 'modified' | 'deleted' | 'type-changed';
  /** Lines added and removed; undefined for binary files. */
  added?: number;
  removed?: number;
  /** For a symbolic link: its target as written (the pipeline fills it in, link-check.ts). */
  linkTarget?: string;
}

/** git's -z name-status and numstat outputs, joined per path; paths stay bytes until shown. */
export function parseChanges(nameStatus: Buffer, numstat: Buffer): ChangedFile[] {
  const counts = new Map<string, { added?: number; removed?: number }>();
  for (const record of splitNul(numstat)) {
    const first = record.indexOf(9);
    const second = record.indexOf(9, first + 1);
    if (first < 0 || second < 0) continue;
    const [added, removed] = [record.subarray(0, first), record.subarray(first + 1, second)].map((n) =>
      n.toString('latin1'),
    );
    counts.set(record.subarray(second + 1).toString('latin1'), {
      added: added === '-' ? undefined : Number(added),
      removed: removed === '-' ? undefined : Number(removed),
    });
  }
  const parts = splitNul(nameStatus);
  const files: ChangedFile[] = [];
  for (let index = 0; index + 1 < parts.length; index += 2) {
    const code = parts[index]!.toString('latin1');
    const raw = parts[index + 1]!;
    const status =
      code === 'A' ? 'added' : code === 'D' ? 'deleted' : code === 'T' ? 'type-changed' : 'modified';
    const shown = displayPath(raw);
    files.push({
      path: shown,
      ...(shown === raw.toString('utf8') ? {} : { raw }),
      status,
      ...counts.get(raw.toString('latin1')),
    });
  }
  return files;
}

/** Records of a -z output (the last, empty one dropped). */
function splitNul(output: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let start = 0;
  for (let end = output.indexOf(0); end >= 0; end = output.indexOf(0, start)) {
    records.push(output.subarray(start, end));
    start = end + 1;
  }
  return records;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A path as people are shown it: UTF-8 as it is, every byte that is not valid UTF-8 and every control
 * character as \xNN, bidi and invisible characters as \u{NNNN}, so a name can neither be mangled, nor
 * break a line of the PR description, nor read differently from what it is.
 */
export function displayPath(raw: Buffer): string {
  let shown = '';
  let index = 0;
  while (index < raw.length) {
    const lead = raw[index]!;
    const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    let char: string | undefined;
    try {
      char = STRICT_UTF8.decode(raw.subarray(index, index + length));
    } catch {
      char = undefined;
    }
    if (char === undefined || (length === 1 && lead >= 0x80)) {
      shown += `\\x${lead.toString(16).padStart(2, '0')}`;
      index += 1;
      continue;
    }
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) shown += `\\x${code.toString(16).padStart(2, '0')}`;
    else shown += isInvisible(char) ? `\\u{${code.toString(16)}}` : char;
    index += length;
  }
  return shown;
}

/** The bytes of a changed file's path, for the filesystem (node accepts Buffer paths). */
export function pathBytes(file: ChangedFile): Buffer {
  return file.raw ?? Buffer.from(file.path, 'utf8');
}
