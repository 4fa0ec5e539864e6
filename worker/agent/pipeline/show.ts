// What the model is shown of a file it is to change. A small file whole (small models do best rewriting
// whole files on aider's benchmark, docs/agent.md#the-pipeline-strategy); a large one as the definitions the issue is about, with
// enough lines around them to anchor a SEARCH block. Never line numbers: models are bad with them.
import type { CodeSymbol } from '../../context/types.ts';

/** Lines of context kept above and below each related definition of a large file. */
const CONTEXT_LINES = 6;
/** Related definitions shown of a large file. */
const MAX_SECTIONS = 4;
/** Between two excerpts: the model sees that lines were left out there. */
const SEPARATOR = '\n⋮\n';

export interface FileView {
  path: string;
  /** The whole file, or excerpts joined by a "⋮" line. */
  text: string;
  whole: boolean;
  /** The fence language for the prompt, from the extension. */
  language: string;
}

/**
 * The file whole when it fits `maxChars`; else its related definitions (or, with none, its head) in
 * excerpts that fit. `symbols` are the localizer's, most related first, with 1-based line ranges.
 */
export function viewFile(path: string, content: string, symbols: CodeSymbol[], maxChars: number): FileView {
  const language = languageOf(path);
  if (content.length <= maxChars) return { path, text: content, whole: true, language };
  const lines = content.split('\n');
  const ranges = mergeRanges(
    symbols.slice(0, MAX_SECTIONS).map((symbol) => ({
      start: Math.max(1, symbol.startLine - CONTEXT_LINES),
      end: Math.min(lines.length, symbol.endLine + CONTEXT_LINES),
    })),
  );
  if (ranges.length === 0) ranges.push({ start: 1, end: lines.length });
  const parts: string[] = [];
  let used = 0;
  for (const range of ranges) {
    const room = maxChars - used;
    if (room < 200) break;
    let part = lines.slice(range.start - 1, range.end).join('\n');
    // A definition longer than the room left is cut at a line (its head is where edits usually go), or
    // at the room itself when it has no line break there (a minified file).
    if (part.length > room) {
      const cut = part.lastIndexOf('\n', room);
      part = part.slice(0, cut > 0 ? cut : room).trimEnd();
    }
    parts.push(part);
    used += part.length + SEPARATOR.length;
  }
  return { path, text: parts.join(SEPARATOR), whole: false, language };
}

function mergeRanges(ranges: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

const LANGUAGES: Record<string, string> = {
  py: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'jsx',
  ts: 'typescript',
  tsx: 'tsx',
  go: 'go',
  rs: 'rust',
  rb: 'ruby',
  java: 'java',
  php: 'php',
  cs: 'csharp',
  c: 'c',
  h: 'c',
  cpp: 'cpp',
  sh: 'bash',
  md: 'markdown',
  json: 'json',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'toml',
};

function languageOf(path: string): string {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return LANGUAGES[extension] ?? '';
}
