// The pipeline's edit protocol: the model answers with a file path alone on a line, then a fenced block
// holding either the whole new file or SEARCH/REPLACE sections (the two formats aider measured small
// models with on its code-editing benchmark). Parsed from plain text, leniently: a 1.5B model decorates the path, forgets
// it, wraps the code in prose, or drops the fence around the markers. Model output is untrusted, so every
// path is checked to stay inside the checkout.
import { removeInvisible } from '../untrusted-text.ts';
import { findElision } from './elision.ts';

export type Edit =
  | { kind: 'whole'; path: string; content: string }
  | { kind: 'replace'; path: string; blocks: Array<{ search: string; replace: string }> };

export type EditProblem =
  | 'empty'
  | 'no-fence'
  | 'tool-call'
  | 'no-path'
  | 'bad-path'
  | 'several-fences'
  | 'elided'
  | 'truncated'
  | 'malformed-markers'
  | 'diff';

export type EditReply =
  | { kind: 'edits'; edits: Edit[]; notes: string[] }
  | { kind: 'invalid'; problem: EditProblem; detail: string };

type Invalid = Extract<EditReply, { kind: 'invalid' }>;

/** A fenced block, or a run of SEARCH/REPLACE sections written without a fence. */
interface Block {
  info: string;
  body: string[];
  /** The fence was closed (or the unfenced sections ended before the reply did). */
  closed: boolean;
  /** The lines outside any block between the previous block and this one. */
  before: string[];
}

const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const SEARCH_MARK = /^[ \t]*<{5,9}[ \t]*(?:SEARCH|ORIGINAL)[ \t]*$/i;
const DIVIDER_MARK = /^[ \t]*={5,9}[ \t]*$/;
const REPLACE_MARK = /^[ \t]*>{5,9}[ \t]*(?:REPLACE|UPDATED)[ \t]*$/i;
/** Fence languages of commands or output: such a block without a path of its own is not an edit. */
const NOT_CODE_TAGS = new Set(['bash', 'sh', 'shell', 'zsh', 'console', 'terminal', 'output', 'cmd']);
/** Extensions where an unindented English sentence cannot be code, so a stray one is the model's prose. */
const CODE_EXTENSIONS = new Set(
  'py pyi js jsx ts tsx mjs cjs java go rs rb php c h cc cpp hpp cs kt swift scala json'.split(' '),
);

type Marker = 'search' | 'divider' | 'replace';

function markerOf(line: string): Marker | undefined {
  if (SEARCH_MARK.test(line)) return 'search';
  if (DIVIDER_MARK.test(line)) return 'divider';
  if (REPLACE_MARK.test(line)) return 'replace';
  return undefined;
}

export interface EditReplyOptions {
  /** The files the model was shown, as paths relative to the checkout. */
  shownPaths: string[];
  /**
   * The current content of a file (undefined: no such file). Optional: with it, a placeholder-looking
   * comment that the file already has is its own code, not an elision.
   */
  read?: (path: string) => string | undefined;
}

export function parseEditReply(reply: string, options: EditReplyOptions): EditReply {
  const text = reply.replace(/\r\n?/g, '\n');
  if (text.trim() === '') return invalid('empty', 'the reply was empty');
  const lines = text.split('\n');
  const blocks = splitBlocks(lines);
  if (blocks.length === 0) {
    return looksLikeToolCall(text)
      ? invalid('tool-call', 'a JSON tool call instead of an edit')
      : invalid('no-fence', 'no code block');
  }
  return readBlocks(blocks, options);
}

function invalid(problem: EditProblem, detail: string): Invalid {
  return { kind: 'invalid', problem, detail };
}

// ---------------------------------------------------------------------------------------------------
// Splitting the reply into blocks

function splitBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let before: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const open = FENCE_OPEN.exec(line);
    if (open) {
      const fence = readFence(lines, i, open[1]!, open[2]!);
      // A lone fence line at the end (a stray closing fence) opens nothing.
      if (fence.closed || open[3]!.trim() !== '' || fence.body.some((rest) => rest.trim() !== '')) {
        blocks.push({ info: open[3]!.trim(), body: fence.body, closed: fence.closed, before });
      }
      before = [];
      i = fence.next;
    } else if (markerOf(line) && (markerOf(line) !== 'divider' || hasMarkerAfter(lines, i))) {
      const run = readUnfencedSections(lines, i);
      blocks.push({ info: '', body: run.body, closed: run.closed, before });
      before = [];
      i = run.next;
      // The model that forgot the opening fence often still writes the closing one.
      while (i < lines.length && lines[i]!.trim() === '') i++;
      if (i < lines.length && /^[ \t]*(?:`{3,}|~{3,})[ \t]*$/.test(lines[i]!)) i++;
    } else {
      before.push(line);
      i += 1;
    }
  }
  return blocks;
}

/** Is there a SEARCH or REPLACE marker after line `from`? (A lone ===== line is a Markdown heading.) */
function hasMarkerAfter(lines: string[], from: number): boolean {
  return lines.slice(from + 1).some((line) => markerOf(line) === 'replace' || markerOf(line) === 'search');
}

/**
 * Reads a fence opened at line `start` up to its closing line. Inside an open SEARCH section a fence line
 * is code (the file itself may hold Markdown) when the section's markers go on after it.
 */
function readFence(lines: string[], start: number, indent: string, marks: string) {
  const closing = new RegExp(`^[ \\t]*${marks[0] === '`' ? '`' : '~'}{${marks.length},}[ \\t]*$`);
  const opening = new RegExp(`^[ \\t]*${marks[0] === '`' ? '`' : '~'}{${marks.length},}[ \\t]*[\\w+-]+`);
  const body: string[] = [];
  let inSection = false;
  // A Markdown file holds fences of its own: one opened with a language inside the body is closed by
  // the next bare fence, which then is part of the file, not the end of the reply's block.
  let nested = 0;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = markerOf(line);
    if (marker === 'search') inSection = true;
    if (marker === 'replace') inSection = false;
    if (opening.test(line)) nested++;
    else if (closing.test(line) && nested > 0) nested--;
    else if (closing.test(line) && !(inSection && sectionGoesOn(lines, i))) {
      return { body: dedent(body, indent), closed: true, next: i + 1 };
    }
    body.push(line);
  }
  return { body: dedent(body, indent), closed: false, next: lines.length };
}

function sectionGoesOn(lines: string[], from: number): boolean {
  const next = lines.slice(from + 1).find((line) => markerOf(line) !== undefined);
  return next !== undefined && markerOf(next) !== 'search';
}

/** A fence indented in a list item indents its body too; Markdown strips that indentation. */
function dedent(body: string[], indent: string): string[] {
  if (indent === '' || !body.every((line) => line.trim() === '' || line.startsWith(indent))) return body;
  return body.map((line) => line.slice(indent.length));
}

/** SEARCH/REPLACE sections written without a fence: from the first marker to the last REPLACE. */
function readUnfencedSections(lines: string[], start: number) {
  const body: string[] = [];
  let inSection = false;
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = markerOf(line);
    if (!inSection && marker === undefined) {
      // Between sections: blank lines and then another SEARCH continue the run, anything else ends it.
      const next = lines.slice(i).find((rest) => rest.trim() !== '');
      if (next === undefined || markerOf(next) !== 'search') break;
    }
    if (marker === 'search' || marker === 'divider') inSection = true;
    if (marker === 'replace') inSection = false;
    body.push(line);
  }
  while (body.length > 0 && body.at(-1)!.trim() === '') body.pop();
  const atEnd = lines.slice(i).every((line) => line.trim() === '');
  return { body, closed: !(inSection && atEnd), next: i };
}

// ---------------------------------------------------------------------------------------------------
// Reading each block into an edit

interface Candidate {
  block: Block;
  /** The path named by the reply itself (line before, fence info, first line), before validation. */
  named?: string;
  /** Body lines once a first line naming the path is removed. */
  body: string[];
  sections: boolean;
}

function readBlocks(blocks: Block[], options: EditReplyOptions): EditReply {
  const { shownPaths } = options;
  const notes: string[] = [];
  const candidates: Candidate[] = [];
  for (const block of blocks) {
    const sections = block.body.some((line) => {
      const marker = markerOf(line);
      return marker === 'search' || marker === 'replace';
    });
    const named = pathBefore(block.before, shownPaths) ?? pathInInfo(block.info, shownPaths);
    const inside = named === undefined ? pathOnFirstLine(block.body, shownPaths, sections) : undefined;
    const body = inside ? block.body.slice(inside.lineIndex + 1) : block.body;
    candidates.push({ block, named: named ?? inside?.path, body, sections });
  }

  // Blocks without a path of their own: commands, tool calls, or the edit when the path was forgotten.
  const anyNamed = candidates.some((candidate) => candidate.named !== undefined);
  const edits: Edit[] = [];
  let lastReplacePath: string | undefined;
  let sawToolCall = false;
  for (const candidate of candidates) {
    const { block } = candidate;
    if (!block.closed && !candidate.sections) {
      return invalid(
        'truncated',
        `the code block${candidate.named ? ` for ${candidate.named}` : ''} never ends`,
      );
    }
    let path: string;
    if (candidate.named !== undefined) {
      const checked = checkPath(candidate.named, shownPaths);
      if ('bad' in checked) return invalid('bad-path', checked.bad);
      if (checked.note) notes.push(checked.note);
      path = checked.path;
    } else if (!candidate.sections && looksLikeToolCall(candidate.body.join('\n'))) {
      sawToolCall = true;
      continue;
    } else if (!candidate.sections && NOT_CODE_TAGS.has(tagOf(block.info))) {
      notes.push(`ignored a ${tagOf(block.info)} block without a path`);
      continue;
    } else if (candidate.sections && lastReplacePath !== undefined) {
      path = lastReplacePath;
      notes.push(`SEARCH/REPLACE block without a path: used ${path} from the block before`);
    } else if (anyNamed) {
      notes.push('ignored a code block without a path');
      continue;
    } else if (mentionedIn(block.before, shownPaths) !== undefined) {
      path = mentionedIn(block.before, shownPaths)!;
      notes.push(`no path line: used ${path}, named in the sentence before the block`);
    } else if (shownPaths.length === 1) {
      path = shownPaths[0]!;
      notes.push(`no path given: used ${path}, the only file shown`);
    } else {
      return invalid('no-path', 'no file path before the code block');
    }

    const known = knownLines(options.read?.(path));
    const edit = candidate.sections
      ? readSections(candidate, path, known)
      : readWhole(candidate, path, notes, known);
    if ('problem' in edit) return edit;
    if (edit.kind === 'replace') lastReplacePath = path;
    edits.push(edit);
  }
  if (edits.length === 0) {
    return sawToolCall
      ? invalid('tool-call', 'a JSON tool call instead of an edit')
      : invalid('no-fence', 'no code block with an edit');
  }
  return mergeByPath(edits, notes);
}

/** The trimmed lines a file already has. */
function knownLines(content: string | undefined): ReadonlySet<string> {
  return new Set(content === undefined ? [] : content.split(/\r?\n/).map((line) => line.trim()));
}

function readWhole(
  candidate: Candidate,
  path: string,
  notes: string[],
  known: ReadonlySet<string>,
): Edit | Invalid {
  const tag = tagOf(candidate.block.info);
  if (tag === 'diff' || tag === 'patch' || looksLikeUnifiedDiff(candidate.body)) {
    return invalid('diff', `a unified diff for ${path}`);
  }
  const body = CODE_EXTENSIONS.has(extensionOf(path)) ? dropProse(candidate.body, notes) : candidate.body;
  if (body.every((line) => line.trim() === ''))
    return invalid('empty', `the code block for ${path} is empty`);
  const content = `${body.join('\n')}\n`;
  const elided = findElision(content, known);
  if (elided !== undefined) return invalid('elided', elided);
  return { kind: 'whole', path, content };
}

function readSections(candidate: Candidate, path: string, known: ReadonlySet<string>): Edit | Invalid {
  const blocks: Array<{ search: string; replace: string }> = [];
  let state: 'outside' | Marker = 'outside';
  let search: string[] = [];
  let replace: string[] = [];
  const malformed = (detail: string) => invalid('malformed-markers', `${detail} (${path})`);
  for (const line of candidate.body) {
    const marker = markerOf(line);
    if (state === 'outside') {
      if (marker === 'search') {
        state = 'search';
        search = [];
        replace = [];
      } else if (marker === 'divider') return malformed('======= without <<<<<<< SEARCH before it');
      else if (marker === 'replace') return malformed('>>>>>>> REPLACE without <<<<<<< SEARCH before it');
    } else if (state === 'search') {
      if (marker === 'divider') state = 'divider';
      else if (marker === 'search') return malformed('<<<<<<< SEARCH twice without ======= between');
      else if (marker === 'replace') return malformed('>>>>>>> REPLACE without ======= before it');
      else search.push(line);
    } else if (marker === 'replace') {
      blocks.push({ search: search.join('\n'), replace: replace.join('\n') });
      state = 'outside';
    } else if (marker === 'search') {
      return malformed('<<<<<<< SEARCH before the previous block ended with >>>>>>> REPLACE');
    } else if (marker === 'divider') {
      return malformed('======= twice in one block');
    } else {
      replace.push(line);
    }
  }
  if (state !== 'outside') {
    return candidate.block.closed
      ? malformed('a block without its >>>>>>> REPLACE line')
      : invalid('truncated', `the SEARCH/REPLACE block for ${path} never ends`);
  }
  // The REPLACE may not leave out lines its SEARCH spelled out.
  for (const block of blocks) {
    const searched = new Set([...known, ...block.search.split('\n').map((line) => line.trim())]);
    const elided = findElision(block.replace, searched);
    if (elided !== undefined) {
      return invalid('elided', elided);
    }
  }
  return { kind: 'replace', path, blocks };
}

/** One edit per path: several SEARCH/REPLACE fences add up; a second whole file is a contradiction. */
function mergeByPath(edits: Edit[], notes: string[]): EditReply {
  const merged = new Map<string, Edit>();
  for (const edit of edits) {
    const earlier = merged.get(edit.path);
    if (earlier === undefined) merged.set(edit.path, edit);
    else if (earlier.kind === 'replace' && edit.kind === 'replace') earlier.blocks.push(...edit.blocks);
    else return invalid('several-fences', edit.path);
  }
  return { kind: 'edits', edits: [...merged.values()], notes };
}

// ---------------------------------------------------------------------------------------------------
// Paths

/** The nearest line before the block that is a path alone: `x.py`, `**x.py**`, `### x.py:`, `File: x.py`. */
function pathBefore(before: string[], shownPaths: string[]): string | undefined {
  for (let i = before.length - 1; i >= 0; i--) {
    const path = pathOnLine(before[i]!, shownPaths);
    if (path !== undefined) return path;
  }
  return undefined;
}

/**
 * The one shown file named in the last sentence before a block ("Here is the updated `src/x.py`:"). Only
 * used when no block of the reply has a path line: a sentence may also name the file of a snippet quoted
 * before the real edit.
 */
function mentionedIn(before: string[], shownPaths: string[]): string | undefined {
  const last = before.findLast((line) => line.trim() !== '');
  if (last === undefined) return undefined;
  const named = new Set<string>();
  for (const token of last.split(/[\s`'"*(),;]+/)) {
    const word = token.replace(/[.:]+$/, '');
    if (word === '') continue;
    const suffixOf = shownPaths.filter((shown) => shown === word || shown.endsWith(`/${word}`));
    if (suffixOf.length === 1) named.add(suffixOf[0]!);
  }
  return named.size === 1 ? [...named][0] : undefined;
}

function pathOnLine(line: string, shownPaths: string[]): string | undefined {
  let text = line
    .trim()
    .replace(/^#{1,6}\s+/, '')
    .replace(/^(?:[-*+]|\d+[.)])\s+/, '');
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text
      .replace(/:$/, '')
      .replace(/^(\*\*|__|\*|`|"|')(.+)\1$/, '$2')
      .replace(/^(?:\*\*|__)?(?:file ?name|file|path)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*/i, '')
      .trim();
  }
  return looksLikePath(text, shownPaths) ? text : undefined;
}

function looksLikePath(text: string, shownPaths: string[]): boolean {
  if (text === '' || /\s/.test(text) || !/[A-Za-z0-9]/.test(text) || /^[a-z][\w+.-]*:\/\//i.test(text)) {
    return false;
  }
  return shownPaths.includes(text) || /[/\\]/.test(text) || /\.[A-Za-z0-9_]{1,10}$/.test(text);
}

/** ```python src/x.py, ```src/x.py, ```python title="src/x.py", ```python:src/x.py */
function pathInInfo(info: string, shownPaths: string[]): string | undefined {
  for (const token of info.split(/\s+/)) {
    const text = token.replace(/^(?:title|file(?:name)?|path)=/i, '').replace(/^["']|["']$/g, '');
    const path = text.split(':').at(-1)!;
    if (looksLikePath(path, shownPaths) && !/^\w+$/.test(path)) return path;
  }
  return undefined;
}

/**
 * A first line inside the fence that names the path: `# src/x.py`, `// x.js`, `<!-- a.html -->`, the
 * shown path alone, or any path alone before the first SEARCH marker (no code goes there). Only a path
 * that passes the checks counts, so `#!/bin/sh` or `# /etc/hosts` stay code.
 */
function pathOnFirstLine(body: string[], shownPaths: string[], sections: boolean) {
  const lineIndex = body.findIndex((line) => line.trim() !== '');
  if (lineIndex === -1) return undefined;
  const line = body[lineIndex]!.trim();
  const comment = /^(?:#(?!!)|\/\/|--|;|\/\*|<!--)\s*(.*?)\s*(?:\*\/|-->)?$/.exec(line);
  const bare = sections || shownPaths.includes(line) ? pathOnLine(line, shownPaths) : undefined;
  const text = comment ? pathOnLine(comment[1]!, shownPaths) : bare;
  if (text === undefined) return undefined;
  if ('bad' in checkPath(text, shownPaths)) return undefined;
  return { path: text, lineIndex };
}

type CheckedPath = { path: string; note?: string } | { bad: string };

/** A relative path inside the checkout, never into .git; a bare file name finds the shown file it names. */
function checkPath(raw: string, shownPaths: string[]): CheckedPath {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(raw))
    return { bad: `the path ${JSON.stringify(raw)} has control characters` };
  if (removeInvisible(raw) !== raw)
    return { bad: `the path ${JSON.stringify(raw)} has invisible characters` };
  if (raw.includes('\\')) return { bad: `the path ${raw} has a backslash` };
  if (raw.endsWith('/')) return { bad: `the path ${raw} names a directory` };
  if (/^(?:\/|~|[A-Za-z]:)/.test(raw)) return { bad: `the path ${raw} is absolute` };
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { bad: `the path ${raw} leaves the checkout` };
  if (segments.some((segment) => segment.toLowerCase() === '.git')) {
    return { bad: `the path ${raw} is inside .git` };
  }
  if (segments.length === 0) return { bad: `the path ${raw} names no file` };
  const path = segments.join('/');
  if (shownPaths.includes(path)) return { path };
  const suffixOf = shownPaths.filter((shown) => shown.endsWith(`/${path}`));
  if (suffixOf.length === 1) return { path: suffixOf[0]!, note: `${path} taken as ${suffixOf[0]}` };
  return { path };
}

// ---------------------------------------------------------------------------------------------------
// Small recognisers

function tagOf(info: string): string {
  return (info.split(/\s+/)[0] ?? '').toLowerCase();
}

function extensionOf(path: string): string {
  const name = path.split('/').at(-1)!;
  return name.includes('.') ? name.split('.').at(-1)!.toLowerCase() : '';
}

function looksLikeUnifiedDiff(body: string[]): boolean {
  const first = body.findIndex((line) => line.trim() !== '');
  return first !== -1 && /^--- \S/.test(body[first]!) && /^\+\+\+ \S/.test(body[first + 1] ?? '');
}

/** A sentence such as "Here is the fixed code:": capitalised words, no code punctuation, ends in : or . */
function isProse(line: string): boolean {
  return (
    /^[A-Z][A-Za-z0-9 ,'’/.-]*[.:]$/.test(line) &&
    line.split(' ').length >= 3 &&
    !/'(?![a-z])|(?<![A-Za-z])'/.test(line)
  );
}

/** Drops unindented prose lines at the start and end of a whole-file body (and the blank lines next to them). */
function dropProse(body: string[], notes: string[]): string[] {
  let start = 0;
  let end = body.length;
  const skipBlank = () => {
    while (start < end && body[start]!.trim() === '') start++;
    while (end > start && body[end - 1]!.trim() === '') end--;
  };
  skipBlank();
  while (start < end && isProse(body[start]!)) {
    notes.push(`dropped the line "${body[start]}" from the code`);
    start++;
    skipBlank();
  }
  while (end > start && isProse(body[end - 1]!)) {
    notes.push(`dropped the line "${body[end - 1]}" from the code`);
    end--;
    skipBlank();
  }
  if (start === 0 && end === body.length) return body;
  return body.slice(start, end);
}

/**
 * A JSON tool call ({"name": ..., "arguments": ...}, {"tool": ...}, {"tool_calls": [...]}, a list of
 * them), the whole text or inside <tool_call> tags: qwen2.5-coder answers this way when it wants a tool.
 */
function looksLikeToolCall(text: string): boolean {
  const trimmed = text.replace(/<\/?tool_call>/g, '').trim();
  const start = trimmed.search(/[[{]/);
  if (start === -1) return false;
  for (const slice of [
    trimmed,
    trimmed.slice(start, Math.max(trimmed.lastIndexOf('}'), trimmed.lastIndexOf(']')) + 1),
  ]) {
    try {
      if (isToolCall(JSON.parse(slice))) return true;
    } catch {
      // Not JSON: try the next slice.
    }
  }
  return false;
}

function isToolCall(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every(isToolCall);
  if (!value || typeof value !== 'object') return false;
  const call = value as Record<string, unknown>;
  if ('tool' in call || 'tool_calls' in call || 'tool_name' in call) return true;
  if (call.function && typeof call.function === 'object') return isToolCall(call.function);
  return typeof call.name === 'string' && ('arguments' in call || 'parameters' in call);
}
