// Text written into a regular expression as itself: a path, a name, a phrase.

/** `text` with every character that means something in a pattern escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
