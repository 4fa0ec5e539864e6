// Small models asked for a whole file often write a placeholder comment ("# ... rest unchanged ...")
// instead of the lines they did not change; applying that deletes real code. A false positive makes the
// model rewrite a correct file, so only comments that can mean nothing but "lines left out here" count.

/** A comment on its own line (#, //, --, ;, a block comment, an HTML or JSX comment), also after a bare `...`. */
const COMMENT_LINE = /^(?:(?:\.\.\.|…)\s*)?(?:#(?!!)|\/\/|--|;|\{?\/\*|<!--)(.*)$/;
/**
 * A line that starts with an ellipsis, a space and two or more words: `... rest of the code ...` written
 * without a comment marker. The space keeps a spread (`...rest`) out.
 */
const ELLIPSIS_LINE = /^(?:\.\.\.|…)\s+([^\s.…]+\s.*)$/;
/** Text made of nothing but dots, ellipses and spaces, with at least three dots or one ellipsis. */
const ONLY_DOTS = /^(?=.*(?:\.\.\.|…))[.…\s]+$/;
/** Dots at both ends: `... anything ...`. */
const DOTS_AROUND = /^(?:\.\.\.|…)\s*\S.*(?:\.\.\.|…)$/;

const CODE_NOUN =
  '(?:code|file|class|function|functions|method|methods|module|implementation|body|logic|tests?|imports|content|contents|script|program|lines|definitions?|functionality)';
const STAYS = '(?:remains?|stays?|is|are|goes|go|kept|keeps?)';
const SAME = '(?:the same|unchanged|as (?:is|before|above|it was)|here|below|above|omitted|not shown)';
/** Phrases that, as the whole comment, only mean "lines left out". Matched after the dots are removed. */
const ELISION_PHRASES = [
  // rest of the file unchanged / rest of code remains the same / the remainder of the class
  // (a bare "rest" is no placeholder: "# REST" labels an API)
  new RegExp(
    `^(?:the )?(?:rest|remainder) (?:of(?: the)?(?: (?:original|existing|previous|unchanged))? ${CODE_NOUN}(?: ${STAYS})?(?: ${SAME})?|(?:${STAYS} )?${SAME})$`,
  ),
  // existing code / previous code here / original implementation remains the same
  new RegExp(`^(?:existing|previous|original|unchanged) ${CODE_NOUN}(?: ${STAYS})?(?: ${SAME})?$`),
  // other methods unchanged / remaining functions omitted (a bare "other imports" labels a real group)
  new RegExp(`^(?:other|remaining|more) ${CODE_NOUN} (?:(?:${STAYS} )?${SAME}|${STAYS})$`),
  // (unchanged) / same as before / omitted / no changes
  /^(?:unchanged|no changes?(?: here| below| above)?|same as (?:before|above|original)|as before|omitted|snip(?:ped)?|truncated)$/,
  // anywhere in the comment: "for brevity", "code omitted", "remains the same as before"
  new RegExp(
    `(?:for brevity|${CODE_NOUN} (?:omitted|not shown)|${STAYS} (?:the )?same as (?:before|above|the original))`,
  ),
];

/**
 * The first line of `content` that stands for left-out code, trimmed, or undefined when there is none.
 * Lines in `known` (trimmed lines the file already had) are code the model kept, whatever they say.
 */
export function findElision(content: string, known: ReadonlySet<string> = new Set()): string | undefined {
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (!known.has(line) && isElision(line)) return line;
  }
  return undefined;
}

function isElision(line: string): boolean {
  const comment = COMMENT_LINE.exec(line);
  const text = comment ? stripCommentEnd(comment[1]!) : ELLIPSIS_LINE.exec(line)?.[1];
  if (text === undefined) return false;
  const trimmed = text.trim();
  // A bare `...` line is Python's Ellipsis statement, not a comment: only comments count here.
  if (comment && (ONLY_DOTS.test(trimmed) || DOTS_AROUND.test(trimmed))) return true;
  const words = trimmed
    .toLowerCase()
    .replace(/\.\.\.|…/g, ' ')
    .replace(/[()[\]{}*:,!.]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // A long comment is prose about the code, not a placeholder.
  if (words === '' || words.split(' ').length > 10) return false;
  return ELISION_PHRASES.some((phrase) => phrase.test(words));
}

// Removes the end of a block comment (star-slash, with a JSX brace after it) or of an HTML comment.
function stripCommentEnd(text: string): string {
  return text.replace(/\s*(?:\*\/\}?|-->)\s*$/, '');
}
