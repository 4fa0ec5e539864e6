// Small git repositories written file by file in one temp dir, for tests of the localizer: each is
// committed with a fixed identity and an isolated git configuration, so the user's own config (hooks,
// templates, signing) never changes what the test sees. `remove()` deletes them all.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface HandMadeRepos {
  /** The temp dir that holds every repository made here (and anything else a test puts in it). */
  scratch: string;
  /** A fresh repository with these files committed; no files: `git init` only, no commit. */
  make(files?: Record<string, string | Buffer>): string;
  /** Writes files into a repository's work tree without adding them. */
  write(repo: string, files: Record<string, string | Buffer>): void;
  git(repo: string, ...args: string[]): string;
  remove(): void;
}

export function createHandMadeRepos(): HandMadeRepos {
  const scratch = mkdtempSync(join(tmpdir(), 'cw-'));
  let counter = 0;
  const git = (repo: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, GIT_CONFIG_NOSYSTEM: '1' },
    });
  const write = (repo: string, files: Record<string, string | Buffer>) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, name)), { recursive: true });
      writeFileSync(join(repo, name), content);
    }
  };
  const make = (files: Record<string, string | Buffer> = {}) => {
    const repo = join(scratch, `repo-${++counter}`);
    mkdirSync(repo);
    git(repo, 'init', '-q', '--initial-branch=main');
    if (Object.keys(files).length === 0) return repo;
    write(repo, files);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'files');
    return repo;
  };
  return { scratch, make, write, git, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}

/** The 1-based line of the first line of `text` that contains `needle` (throws when none does). */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`no line contains ${needle}`);
  return index + 1;
}

/**
 * A small Python package laid out as on GitHub (src/ layout, tests beside it), with decoys: files that
 * share the issues' words or use the names they mention without defining them.
 */
export const textkitFiles: Record<string, string> = {
  'pyproject.toml': `[project]
name = "textkit"
version = "2.1.0"
description = "Small text utilities for static site generators: slugs, titles, blocks"

[tool.pytest.ini_options]
testpaths = ["tests"]
`,
  'README.md': `# textkit

Small text utilities for static site generators. Turn a page title into a slug, render a title
or a heading to HTML, parse a document into blocks, and write feed entries.

    >>> from textkit import slugify
    >>> slugify("Hello, World")
    'hello-world'
`,
  'doc/usage.md': `# Using textkit

Titles are rendered with \`render_title\`, which collapses whitespace, cuts long titles and adds an
anchor made from the slug. Tabs and double spaces in a title are collapsed to one space. A heading
is rendered the same way. The block parser splits a document into blocks at blank lines.
`,
  'src/textkit/__init__.py': `"""textkit: small text utilities for static site generators."""
from .render import render_heading, render_title
from .slugify import slugify

__all__ = ["render_heading", "render_title", "slugify"]
__version__ = "2.1.0"
`,
  'src/textkit/slugify.py': `"""Turn titles into URL slugs."""
import re
import unicodedata

_SEPARATORS = re.compile(r"[\\s_]+")
_UNSAFE = re.compile(r"[^a-z0-9-]")


def _normalize(text):
    """Strip accents, so that 'café' becomes 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return ascii_only.lower()


def slugify(text, separator="-", max_length=None):
    """A slug for \`\`text\`\`: lower case, ASCII only, words joined by \`\`separator\`\`."""
    slug = _normalize(text)
    slug = _SEPARATORS.sub(separator, slug)
    slug = _UNSAFE.sub("", slug)
    if max_length is not None:
        slug = slug[:max_length].rstrip(separator)
    return slug.strip(separator)
`,
  'src/textkit/util/__init__.py': '',
  'src/textkit/util/strings.py': `"""String helpers shared by the renderers."""
import re

_RUN = re.compile(r"[ ]+")


def collapse_whitespace(text):
    """Replace each run of blanks by one space and trim both ends."""
    return _RUN.sub(" ", text).strip(" ")


def truncate(text, width, ellipsis="…"):
    """Cut \`\`text\`\` to \`\`width\`\` characters, ending with \`\`ellipsis\`\` when it was cut."""
    if len(text) <= width:
        return text
    return text[: width - len(ellipsis)] + ellipsis
`,
  'src/textkit/render.py': `"""Render page titles and headings to HTML."""
from html import escape

from .slugify import slugify
from .util.strings import collapse_whitespace, truncate


def render_title(title, max_width=70):
    """The <h1> of a page, with an anchor made from its slug."""
    text = truncate(collapse_whitespace(title), max_width)
    anchor = slugify(title)
    return f'<h1 id="{anchor}">{escape(text)}</h1>'


def render_heading(level, text):
    """An <h2>..<h6> for a section heading."""
    clean = collapse_whitespace(text)
    return f"<h{level}>{escape(clean)}</h{level}>"
`,
  'src/textkit/parser.py': `"""A small block parser for the lightweight markup textkit reads."""
from dataclasses import dataclass, field


@dataclass
class Block:
    kind: str
    lines: list = field(default_factory=list)


class Parser:
    """Splits a document into blocks separated by blank lines."""

    def __init__(self, tab_width=4):
        self.tab_width = tab_width

    def parse(self, text):
        chunks = [chunk for chunk in text.split("\\n\\n") if chunk.strip()]
        return [self.parse_block(chunk.split("\\n")) for chunk in chunks]

    def parse_block(self, lines):
        """One block: a heading when the first line starts with '#', else a paragraph."""
        if lines and lines[0].startswith("#"):
            return Block("heading", lines[:1])
        return Block("paragraph", lines[:-1])
`,
  'src/textkit/markdown.py': `"""Markdown front end: fenced code and lists, on top of the block parser's chunks."""


class BlockLexer:
    """Recognises fenced code and list items in a chunk of lines."""

    fence = "~~~"

    def parse_block(self, lines):
        if lines and lines[0].startswith(self.fence):
            return ("code", lines[1:-1])
        if all(line.lstrip().startswith(("-", "*")) for line in lines):
            return ("list", [line.lstrip()[1:].strip() for line in lines])
        return ("text", lines)


def to_html(chunks):
    lexer = BlockLexer()
    return "\\n".join(str(lexer.parse_block(chunk)) for chunk in chunks)
`,
  'src/textkit/cli.py': `"""Command line: \`textkit slug TITLE\` prints the slug of a page title."""
import argparse
import sys

from .slugify import slugify
from .util.strings import collapse_whitespace


def main(argv=None):
    parser = argparse.ArgumentParser(prog="textkit", description="Text utilities for page titles.")
    parser.add_argument("command", choices=["slug"])
    parser.add_argument("title", help="a page title; tabs and double spaces are collapsed")
    args = parser.parse_args(argv)
    print(slugify(collapse_whitespace(args.title)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
`,
  'src/textkit/feed.py': `"""RSS feed entries: each post's title, the first words of its summary, and its date."""
from xml.sax.saxutils import escape


def feed_entry(title, summary, date):
    """One <item>: the heading text as written (tabs, spaces and words kept), the summary cut short."""
    words = summary.split()
    short = " ".join(words[:40])
    heading = escape(title)
    return f"<item><title>{heading}</title><description>{escape(short)}</description><pubDate>{date}</pubDate></item>"
`,
  'tests/test_slugify.py': `from textkit.slugify import slugify


def test_accents_are_stripped():
    assert slugify("Café au lait") == "cafe-au-lait"


def test_separator():
    assert slugify("a b", separator="_") == "a_b"
`,
  'tests/test_render.py': `from textkit.render import render_title


def test_title_has_anchor():
    assert render_title("Hello World") == '<h1 id="hello-world">Hello World</h1>'
`,
  'tests/test_parser.py': `from textkit.parser import Parser


def test_paragraph_keeps_lines():
    assert Parser().parse_block(["a", "b"]).lines == ["a", "b"]
`,
};

/** A small TypeScript library: a date parser over a tokenizer, a formatter, and a decoy that shares words. */
export const dateparseFiles: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'dateparse', version: '1.4.0', type: 'module', main: 'src/index.ts' }, null, 2)}\n`,
  'tsconfig.json': `${JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext' } }, null, 2)}\n`,
  'README.md': '# dateparse\n\nParses dates such as `2024-03-01` or `1 March 2024` and formats them back.\n',
  'src/index.ts': `export { formatDate } from './format.ts';
export { parseDate } from './parse/date.ts';
export type { Token } from './parse/tokens.ts';
`,
  'src/parse/tokens.ts': `// Splits a date string into number, word and separator tokens.
export interface Token {
  kind: 'number' | 'word' | 'separator';
  text: string;
}

function readNumber(input: string, start: number): Token {
  let end = start;
  while (end < input.length && /[0-9]/.test(input[end] as string)) end++;
  const digits = input.slice(start, end);
  return { kind: 'number', text: digits.padStart(digits.length, '0') };
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  for (let at = 0; at < input.length; ) {
    const char = input[at] as string;
    if (/[0-9]/.test(char)) {
      const token = readNumber(input, at);
      tokens.push(token);
      at += token.text.length;
    } else if (/[a-z]/i.test(char)) {
      const word = /^[a-z]+/i.exec(input.slice(at))?.[0] ?? char;
      tokens.push({ kind: 'word', text: word });
      at += word.length;
    } else {
      tokens.push({ kind: 'separator', text: char });
      at++;
    }
  }
  return tokens;
}
`,
  'src/parse/date.ts': `import { type Token, tokenize } from './tokens.ts';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august',
  'september', 'october', 'november', 'december'];

export function parseDate(input: string): Date {
  const parts = tokenize(input.trim()).filter((token) => token.kind !== 'separator');
  if (parts.length !== 3) throw new RangeError(\`expected a day, a month and a year in "\${input}"\`);
  const [day, month, year] = isoOrder(parts) ? [parts[2], parts[1], parts[0]] : parts;
  return new Date(Date.UTC(Number(year?.text), monthIndex(month as Token), Number(day?.text)));
}

function isoOrder(parts: Token[]): boolean {
  return (parts[0]?.text.length ?? 0) === 4;
}

function monthIndex(token: Token): number {
  if (token.kind === 'number') return Number(token.text) - 1;
  return MONTHS.findIndex((name) => name.startsWith(token.text.toLowerCase()));
}
`,
  'src/format.ts': `// Formats a date with a pattern of YYYY, MM and DD placeholders.
export function formatDate(date: Date, pattern = 'YYYY-MM-DD'): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return pattern
    .replace('YYYY', String(date.getUTCFullYear()))
    .replace('MM', pad(date.getUTCMonth() + 1))
    .replace('DD', pad(date.getUTCDate()));
}
`,
  'src/duration.ts': `// Durations such as "3 days" or "2 weeks": a number token and a unit word, read without the tokenizer.
const UNITS: Record<string, number> = { day: 1, days: 1, week: 7, weeks: 7 };

export function parseDuration(input: string): number {
  const [number, unit] = input.trim().split(/\\s+/);
  const days = UNITS[unit ?? ''];
  if (days === undefined) throw new RangeError(\`unknown unit in "\${input}"\`);
  return Number(number) * days;
}
`,
  'test/tokens.test.ts': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../src/parse/tokens.ts';

test('splits numbers and words', () => {
  assert.deepEqual(tokenize('1 March').map((token) => token.kind), ['number', 'separator', 'word']);
});
`,
};
