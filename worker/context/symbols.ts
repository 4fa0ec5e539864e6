// Each file's outline (definitions with line ranges, and the modules it imports), read with tree-sitter.
// The context stage calls this for thousands of files per run, so the work per file is one parse and
// one query, both inside WASM; nothing walks the tree in JavaScript, which also keeps deeply nested
// files from growing the JavaScript stack. Files without a grammar, too large to parse, or that make
// the parser fail get a line-based outline instead (symbol-queries.ts), so this never throws.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type {
  Node,
  QueryMatch,
  Language as TSLanguage,
  Parser as TSParser,
  Query as TSQuery,
} from '@vscode/tree-sitter-wasm';
import TS from '@vscode/tree-sitter-wasm';
import { type LanguageSpec, languageFor, lineOutline } from './symbol-queries.ts';
import type { CodeSymbol, FileOutline, SymbolKind } from './types.ts';

const { Parser, Language, Query } = TS;

/** Parsing runs at ~3 MB/s; above this a file is most likely generated, and the line outline is enough. */
const MAX_PARSE_CHARS = 1_000_000;
/** A third of the measured ~3 MB/s: slower than this, the parse is stuck in error recovery. */
const PARSE_CHARS_PER_MS = 1000;

const WASM_DIR = dirname(createRequire(import.meta.url).resolve('@vscode/tree-sitter-wasm'));

interface Grammar {
  language: TSLanguage;
  query: TSQuery;
}

let parserReady: Promise<TSParser> | undefined;
// By grammar name. A grammar that fails to load stays undefined, so it is not retried for every file.
const grammars = new Map<string, Promise<Grammar | undefined>>();

export async function outlineFile(path: string, text: string): Promise<FileOutline> {
  const spec = languageFor(path);
  if (spec && text.length <= MAX_PARSE_CHARS) {
    const loaded = await loadGrammar(spec);
    const outline = loaded && parseOutline(loaded.parser, loaded.grammar, text);
    if (outline) return outline;
  }
  return lineOutline(text);
}

async function loadGrammar(spec: LanguageSpec): Promise<{ parser: TSParser; grammar: Grammar } | undefined> {
  try {
    parserReady ??= Parser.init({ locateFile: (file: string) => join(WASM_DIR, file) }).then(
      () => new Parser(),
    );
    const parser = await parserReady;
    let grammar = grammars.get(spec.grammar);
    if (!grammar) {
      grammar = compileGrammar(spec).catch(() => undefined);
      grammars.set(spec.grammar, grammar);
    }
    const ready = await grammar;
    return ready && { parser, grammar: ready };
  } catch {
    return undefined;
  }
}

async function compileGrammar(spec: LanguageSpec): Promise<Grammar> {
  const bytes = await readFile(join(WASM_DIR, `tree-sitter-${spec.grammar}.wasm`));
  const language = await Language.load(new Uint8Array(bytes));
  return { language, query: new Query(language, spec.query) };
}

/** A definition as the query found it, before nesting decides its kind and parent. */
interface Found {
  capture: string;
  name: string;
  start: number;
  end: number;
  startLine: number;
  endLine: number;
  receiver?: string;
  pattern: number;
}

// Synchronous from parse to delete: concurrent callers share the one parser without interleaving.
function parseOutline(parser: TSParser, grammar: Grammar, text: string): FileOutline | undefined {
  // Error recovery on some malformed input (thousands of unclosed brackets) takes seconds, mostly in
  // the query; past a third of the usual speed the line outline is the better answer.
  const deadline = performance.now() + 50 + text.length / PARSE_CHARS_PER_MS;
  let late = false;
  const overdue = (): boolean => {
    late ||= performance.now() > deadline;
    return late;
  };
  try {
    parser.setLanguage(grammar.language);
    const tree = parser.parse(text, null, { progressCallback: overdue });
    if (!tree) {
      parser.reset(); // otherwise the next parse resumes this one
      return undefined;
    }
    try {
      const matches = grammar.query.matches(tree.rootNode, { progressCallback: overdue });
      if (late) return undefined;
      const outline = collect(matches);
      return tree.rootNode.hasError ? withLostDefinitions(outline, text) : outline;
    } finally {
      tree.delete();
    }
  } catch {
    parser.reset();
    return undefined;
  }
}

function collect(matches: QueryMatch[]): FileOutline {
  const byName = new Map<number, Found>();
  const imports = new Set<string>();
  for (const match of matches) {
    let def: Node | undefined;
    let capture = '';
    let name: Node | undefined;
    let receiver: string | undefined;
    for (const c of match.captures) {
      if (c.name.startsWith('def.') || c.name === 'scope') [def, capture] = [c.node, c.name];
      else if (c.name === 'name') name = c.node;
      else if (c.name === 'receiver') receiver = c.node.text;
      else if (c.name === 'import') imports.add(c.node.text.replace(/^["'<]|["'>]$/g, ''));
      else if (c.name === 'import.python') for (const m of pythonImports(c.node)) imports.add(m);
    }
    if (!def) continue;
    const found: Found = {
      capture,
      name: name ? name.text : 'default',
      start: def.startIndex,
      end: def.endIndex,
      startLine: def.startPosition.row + 1,
      endLine: lastLine(def),
      receiver,
      pattern: match.patternIndex,
    };
    const key = name ? name.startIndex : def.startIndex;
    const seen = byName.get(key);
    if (!seen || preferred(found, seen)) byName.set(key, found);
  }
  return { symbols: nest([...byName.values()]), imports: [...imports].filter((m) => m !== '') };
}

// A node that ends at the start of a line (a trailing newline) ends on the line before.
function lastLine(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row : row + 1;
}

function preferred(a: Found, b: Found): boolean {
  const widthA = a.end - a.start;
  const widthB = b.end - b.start;
  return widthA !== widthB ? widthA > widthB : a.pattern > b.pattern;
}

const CONTAINERS = new Set(['def.class', 'def.interface', 'def.enum', 'def.module', 'scope']);
const FUNCTIONS = new Set(['def.function', 'def.method']);

/** Decides each definition's kind and parent from what encloses it; functions inside functions are dropped. */
function nest(found: Found[]): CodeSymbol[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const open: Found[] = [];
  const symbols: CodeSymbol[] = [];
  for (const f of found) {
    while (open.length > 0 && open[open.length - 1]!.end <= f.start) open.pop();
    const outer = open[open.length - 1];
    open.push(f);
    if (f.capture === 'scope') continue;
    if (outer && FUNCTIONS.has(outer.capture) && FUNCTIONS.has(f.capture)) continue;
    const symbol = toSymbol(f, outer && CONTAINERS.has(outer.capture) ? outer : undefined);
    symbols.push(symbol);
  }
  return symbols;
}

function toSymbol(f: Found, container: Found | undefined): CodeSymbol {
  const kind = f.capture.slice('def.'.length) as SymbolKind;
  const parent = f.receiver ?? container?.name;
  const symbol: CodeSymbol = { name: f.name, kind, startLine: f.startLine, endLine: f.endLine };
  if (kind === 'method' && parent === undefined) symbol.kind = 'function';
  // A function directly in a module or namespace keeps its kind; in a class, trait or impl it is a method.
  if (kind === 'function' && container && container.capture !== 'def.module') symbol.kind = 'method';
  if (parent !== undefined) symbol.parent = parent;
  return symbol;
}

/**
 * Error recovery can swallow a definition or bury it inside a broken one (where it would be dropped as
 * nested), so in a tree with errors the line outline adds what the parse does not cover by name.
 */
function withLostDefinitions(outline: FileOutline, text: string): FileOutline {
  const parsed = Map.groupBy(outline.symbols, (s) => s.name);
  const covered = (line: CodeSymbol) =>
    parsed.get(line.name)?.some((s) => s.startLine <= line.startLine && line.startLine <= s.endLine);
  const lost = lineOutline(text).symbols.filter((line) => !covered(line));
  if (lost.length === 0) return outline;
  const symbols = [...outline.symbols, ...lost].sort(
    (a, b) => a.startLine - b.startLine || b.endLine - a.endLine,
  );
  return { symbols, imports: outline.imports };
}

/**
 * `import a.b` names 'a.b'; `from a.b import c` names 'a.b' and 'a.b.c', since c may be a submodule;
 * `from . import x` names '.' and '.x'.
 */
function pythonImports(statement: Node): string[] {
  const names = statement.childrenForFieldName('name').map((n) => moduleName(n));
  if (statement.type === 'import_statement') return names;
  const from = statement.childForFieldName('module_name')?.text ?? '';
  const join = from.endsWith('.') ? '' : '.';
  return [from, ...names.map((n) => from + join + n)];
}

function moduleName(node: Node | null): string {
  if (!node) return '';
  const name = node.type === 'aliased_import' ? node.childForFieldName('name') : node;
  return name?.text ?? '';
}
