// What an issue's text says about where the code is: the paths it mentions, the stack-trace frames it
// quotes, the identifiers it names, and its words. The text is untrusted: it is only read here, and
// the clues only select among files the inventory already holds (see rank.ts); nothing in it is ever
// used as a path or run.

/** A stack-trace frame quoted in the issue: a file path as printed, and the function if given. */
export interface Frame {
  path: string;
  line?: number;
  function?: string;
}

/** An identifier the issue names, and how strongly: in code or backticks counts more than prose. */
export interface NamedIdentifier {
  name: string;
  /** Qualifier written before it (`Dataset` in `Dataset.merge`), when there was one. */
  qualifier?: string;
  /** The qualifier is a module the issue's code imports (`xr` in `import xarray as xr`), so the name
   * is a module-level definition, not a method. */
  ofModule?: boolean;
  weight: number;
}

export interface IssueClues {
  /** Path-like strings (`src/pkg/mod.py`, `pkg/mod.py`, a URL's path), unresolved. */
  paths: string[];
  /** Dotted module names (`pkg.core.mod`), which may name a file. */
  modules: string[];
  frames: Frame[];
  identifiers: NamedIdentifier[];
  /** Hyphenated names it quotes (`--ignore-paths` as `ignore-paths`, `unused-import`), for literalSignals. */
  literals: string[];
  /** The prose and code, for text relevance, without environment dumps (see below). */
  text: string;
  /** The first line: on GitHub, the issue's title, the densest statement of what is wrong. */
  title: string;
  /** Whether the issue is about tests themselves, so that test files may be candidates. */
  aboutTests: boolean;
}

// An issue of a megabyte (a pasted log) must not make the regular expressions below slow: the first
// part holds the description and the first traces, which is what locates the code.
const maxIssueChars = 200_000;

const codeFence = /```([^\n]*)\n([\s\S]*?)(?:```|$)/g;
// A shell session or a log in a fence holds commands and their output: read like prose (readIdentifiers).
const sessionFence =
  /^\s*(?:sh|bash|zsh|shell|shell-session|console|terminal|powershell|ps1?|cmd|bat|text|txt|log|plain|plaintext|output)\s*$/i;
const inlineCode = /`([^`\n]{1,200})`/g;
const pythonFrame = /File "([^"\n]{1,500})", line (\d+)(?:, in ([\w<>.]+))?/g;
// IPython and Jupyter print `File ~/path/to/mod.py:123, in Class.method(self)`.
const ipythonFrame = /File ([^\s"]{1,500}\.\w{1,5}):(\d+)(?:, in ([\w<>.]+))?/g;
const nodeFrame = /at (?:(?:async )?([\w$.<>[\] ]{1,200}) \()?((?:file:\/\/)?[^\s()]{1,500}?):(\d+):\d+\)?/g;
// A frame as pytest prints it in a failure report: `path/to/file.py:123: ErrorName`.
const shortFrame = /^([\w./\\-]{1,300}\.\w{1,6}):(\d+):/gm;
// Bounded, and only from where a path can begin: unbounded, a 200,000-character word made this
// quadratic (every position scanned to the end for a dot: half a minute for one hostile issue).
const pathLike =
  /(?<![\w.@-])(?:[\w.@-]{1,200}\/){0,30}[\w.@-]{1,200}\.(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|mts|cts|go|rs|java|kt|rb|php|cs|c|h|cc|cpp|hpp|swift|scala|lua|sh|cfg|toml|ini|yml|yaml|json)\b/g;
const dottedModule = /\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*){2,}\b/g;
const qualifiedName = /\b([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\b/g;
const identifierToken = /[A-Za-z_$][\w$]*/g;
// Narrow on purpose: most bug reports mention "the test" they ran, and only a few are about the tests.
const testTopic =
  /\b(?:flaky|missing|add(?:ing)?|more|broken)\s+(?:unit\s+|integration\s+)?tests?\b|\btests?\b(?:\s+(?:for|of)\s+\S+)?\s+(?:is|are)\s+flaky\b|\btest[- ]coverage\b|\btest suite (?:fails|is broken)\b/i;

export function readIssueClues(issueText: string): IssueClues {
  const raw = issueText.slice(0, maxIssueChars);
  const text = withoutEnvironmentDumps(raw);
  const fences = [...text.matchAll(codeFence)];
  const isSession = (match: RegExpMatchArray) => sessionFence.test(match[1] ?? '');
  const code = fences.filter((match) => !isSession(match)).map((match) => match[2] ?? '');
  const sessions = fences.filter(isSession).map((match) => match[2] ?? '');
  const inline = [...text.matchAll(inlineCode)].map((match) => match[1] ?? '');
  const prose = text.replace(codeFence, ' ').replace(inlineCode, ' ');
  return {
    paths: unique([...raw.matchAll(pathLike)].map((match) => match[0])),
    modules: unique([...text.replace(urls, ' ').matchAll(dottedModule)].map((match) => match[0])),
    frames: readFrames(raw),
    identifiers: markModuleNames(readIdentifiers(code, inline, prose, sessions.join('\n')), code.join('\n')),
    literals: readLiterals(text),
    text,
    title: raw.trimStart().split('\n', 1)[0] ?? '',
    aboutTests: testTopic.test(prose),
  };
}

/**
 * Drops the environment reports issue templates ask for (`xr.show_versions()`, `pip freeze`,
 * `npx envinfo`): runs of "name: version" lines, which name every package and match every file.
 */
function withoutEnvironmentDumps(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length < environmentRunLines) kept.push(...run);
    run = [];
  };
  for (const line of lines) {
    if (environmentLine.test(line)) run.push(line);
    else {
      flush();
      kept.push(line);
    }
  }
  flush();
  return kept.join('\n');
}

const environmentRunLines = 5;
const environmentLine = /^\s*[\w.@/ -]{1,40}(?::\s+|==|\s+v?\d)[\w.+\-\s,()/:]{0,80}$|^\s*[-=]{3,}\s*$/;
const urls = /\bhttps?:\/\/\S+/g;

function readFrames(text: string): Frame[] {
  const frames: Frame[] = [];
  for (const match of text.matchAll(pythonFrame)) {
    frames.push({ path: match[1] ?? '', line: Number(match[2]), function: match[3] });
  }
  for (const match of text.matchAll(ipythonFrame)) {
    frames.push({ path: match[1] ?? '', line: Number(match[2]), function: match[3]?.split('.').pop() });
  }
  // Node prints the innermost frame first, Python last; the frames are kept outermost first.
  const nodeFrames: Frame[] = [];
  for (const match of text.matchAll(nodeFrame)) {
    const path = (match[2] ?? '').replace(/^file:\/\//, '');
    if (!/\.\w{1,5}$/.test(path)) continue;
    nodeFrames.push({ path, line: Number(match[3]), function: match[1]?.split('.').pop() });
  }
  frames.push(...nodeFrames.reverse());
  for (const match of text.matchAll(shortFrame)) {
    frames.push({ path: match[1] ?? '', line: Number(match[2]) });
  }
  return frames;
}

/**
 * Identifiers worth looking up as definitions. In code and backticks every identifier counts (minus
 * keywords and very short names); in prose only the ones that look like code — snake_case,
 * camelCase, CapWords followed by more capitals or a call — since an English word there is just a word;
 * in a shell session or a log the same, for less.
 */
function readIdentifiers(
  code: string[],
  inline: string[],
  prose: string,
  sessions: string,
): NamedIdentifier[] {
  const weights = new Map<string, NamedIdentifier>();
  const add = (name: string, weight: number, qualifier?: string) => {
    if (name.length < 3 || commonWords.has(name) || /^\d/.test(name)) return;
    const key = qualifier ? `${qualifier}.${name}` : name;
    const seen = weights.get(key);
    if (seen) seen.weight = Math.min(seen.weight + weight / 2, weight * 2);
    else weights.set(key, { name, qualifier, weight });
  };
  for (const part of [...inline, ...code]) {
    const weight = inline.includes(part) ? 3 : 1.5;
    for (const match of part.matchAll(qualifiedName)) add(match[2] ?? '', weight, match[1]);
    for (const match of part.matchAll(identifierToken)) {
      // `--help`, `-n`: a command-line option's name, not a definition's.
      if (optionDashes.test(part.slice(Math.max(0, (match.index ?? 0) - 3), match.index))) continue;
      add(match[0], weight);
    }
  }
  // A shell session or a log is read like prose, for less: its commands are plain words, but an error
  // it prints may name the project's `snake_case` function or `CamelCase` class.
  for (const [part, weight] of [
    [prose, 2],
    [sessions, 1.5],
  ] as const) {
    for (const match of part.matchAll(qualifiedName)) {
      if (looksLikeCode(match[0])) add(match[2] ?? '', weight, match[1]);
    }
    for (const match of part.matchAll(identifierToken)) {
      if (looksLikeCode(match[0], part[(match.index ?? 0) + match[0].length])) add(match[0], weight);
    }
  }
  return [...weights.values()];
}

// Two or more hyphen-joined parts, a letter first; leading dashes (an option's) are not part of it.
const hyphenated = /(?<![\w-])-{0,2}([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![\w-])/g;
const minLiteralChars = 6;
const maxLiterals = 40;

/** Hyphenated names outside URLs (a link's path is a page's name, not the program's). */
function readLiterals(text: string): string[] {
  const names = [...text.replace(urls, ' ').matchAll(hyphenated)].map((match) => match[1] ?? '');
  return unique(names.filter((name) => name.length >= minLiteralChars)).slice(0, maxLiterals);
}

// What comes before an option's name: a dash or two after a space or the start (not `x-y`, a subtraction).
const optionDashes = /(?:^|\s)--?$/;

const importAs = /^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$/gm;
const requireAs = /\b(?:const|let|var)\s+(\w+)\s*=\s*require\(/g;

/** Marks `alias.name` identifiers whose alias the issue's code imports as a module. */
function markModuleNames(identifiers: NamedIdentifier[], code: string): NamedIdentifier[] {
  const modules = new Set<string>();
  for (const match of code.matchAll(importAs)) modules.add(match[2] ?? (match[1] ?? '').split('.')[0] ?? '');
  for (const match of code.matchAll(requireAs)) modules.add(match[1] ?? '');
  for (const identifier of identifiers) {
    if (identifier.qualifier && modules.has(identifier.qualifier)) identifier.ofModule = true;
  }
  return identifiers;
}

function looksLikeCode(token: string, next?: string): boolean {
  if (token.includes('_') || token.includes('.')) return /[a-z]/i.test(token.replace(/[_.]/g, ''));
  if (/[a-z][A-Z]/.test(token)) return true;
  if (/^[A-Z][a-z]+[A-Z]/.test(token)) return true;
  return next === '(';
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

// Words that are identifiers in code samples but say nothing about where the code is.
const commonWords = new Set(
  (
    'and as assert async await break case catch class const continue def default del delete do elif ' +
    'else except export extends false finally for from function global if import in instanceof is ' +
    'lambda let new none nonlocal not null of or pass print raise return self static super switch ' +
    'this throw true try typeof undefined var void while with yield None True False cls args kwargs ' +
    'the The and for you this that with from have not but are was can any all use get set len str ' +
    'int dict list tuple bool float object type range open isinstance value values key keys items ' +
    'result results name data foo bar baz test tests res out err error Error Exception TypeError ' +
    'ValueError KeyError AttributeError RuntimeError IndexError console log require module exports ' +
    'array shape dtype'
  ).split(' '),
);
