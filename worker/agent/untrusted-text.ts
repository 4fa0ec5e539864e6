// Issue text is written by anyone and can be edited after the label is set, so it is data, never
// instructions. Two defences before it reaches the model: remove what GitHub does not show a maintainer
// (hidden HTML comments, invisible and direction-changing characters), then quote the rest between
// boundaries the text cannot forge.
import { randomBytes } from 'node:crypto';

/**
 * Zero-width and joiner characters (U+200B..U+200F), bidi embeddings and overrides (U+202A..U+202E),
 * invisible operators (U+2060..U+2064), bidi isolates (U+2066..U+2069, the "Trojan Source" family),
 * the BOM / zero-width no-break space (U+FEFF), soft hyphen and Mongolian vowel separator, and the tag
 * characters (U+E0000..U+E007F) that can spell out a whole hidden sentence.
 */
const INVISIBLE =
  /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\u{E0000}-\u{E007F}]/gu;
/** C0/C1 control characters other than tab and newline (terminal escapes, NUL, carriage returns). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** An HTML comment; GitHub also hides an unterminated one to the end of the text. */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** Markdown "comments" that render as nothing: `[//]: # (text)`, `[comment]: <> "text"`. */
const LINK_DEFINITION_COMMENT =
  /^[ \t]{0,3}\[[^\]\n]*\]:[ \t]*(?:#|<>)[ \t]*(?:\([^\n]*\)|"[^\n]*"|'[^\n]*')?[ \t]*$/gm;

/** Is this one character invisible or direction-changing (shown escaped in file names)? */
export function isInvisible(char: string): boolean {
  return char.replace(INVISIBLE, '') === '' && char !== '';
}

/** Removes the invisible and direction-changing characters alone (for one-line text such as a title). */
export function removeInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * A closing keyword immediately followed by an issue reference (`#N`, `GH-N`, `owner/repo#N` or an issue
 * URL), which GitHub acts on when the commit or pull request is merged.
 */
const CLOSING_REFERENCE =
  /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b(:?\s*)((?:[\w.-]+\/[\w.-]+)?(?:#|gh-)\d+|https?:\/\/\S+\/issues\/\d+)/gi;

/**
 * Puts a word between a closing keyword and its reference ("Resolves #9" becomes "Resolves issue #9"),
 * so that untrusted text keeps its meaning but cannot close an issue; GitHub needs the two side by side.
 */
export function neutraliseClosingKeywords(text: string): string {
  return text.replace(
    CLOSING_REFERENCE,
    (_match, keyword: string, gap: string, reference: string) =>
      `${keyword}${gap.includes(':') ? ':' : ''} issue ${reference}`,
  );
}

/** Removes the parts of issue text that a maintainer reading the issue on GitHub does not see. */
export function stripHiddenText(text: string): string {
  // Invisible characters first, so that they cannot break up "<!--" and hide a comment from the next step.
  return text
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(CONTROL, '')
    .replace(HTML_COMMENT, '')
    .replace(LINK_DEFINITION_COMMENT, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Keeps at most `limit` characters, saying so, so that a huge issue cannot crowd out the task. */
export function capText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n[CodingWorker: the rest of this text (${text.length - limit} characters) was left out]`;
}

/**
 * Quotes untrusted text between BEGIN/END lines carrying a random tag. The text cannot contain the END
 * line (it does not know the tag), so it cannot "close" the quote and speak as the prompt.
 */
export function quoteAsData(
  label: string,
  text: string,
  tag: string = randomBytes(4).toString('hex'),
): string {
  const begin = `----- BEGIN ${label} ${tag} -----`;
  const end = `----- END ${label} ${tag} -----`;
  const body = text.split(tag).join('[tag removed]');
  return `${begin}\n${body}\n${end}`;
}

/** One short line safe for a commit message or pull request: no hidden characters, no line breaks. */
export function toSafeLine(text: string, limit = 100): string {
  const line = stripHiddenText(text).replace(/\s+/g, ' ').trim();
  return line.length <= limit ? line : `${line.slice(0, limit - 1).trimEnd()}…`;
}
