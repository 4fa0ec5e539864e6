// What a small model is told after a failed check: the start of the first failure, not a whole test log.
// A long log buries the one assertion that matters and costs prompt tokens on every later call.

/** A line where a test runner starts describing a failure (pytest, unittest, node:test, jest, go, cargo). */
const FAILURE_START =
  /^(?:_{3,} .+ _{3,}|={3,} FAILURES ={3,}|FAIL(?:ED)?\b|not ok\b|Traceback \(most recent call last\)|E {3}|AssertionError|\s*● |--- FAIL|thread '.+' panicked|.*\bError:)/;
/** The runner's closing tally, e.g. "1 failed, 3 passed in 0.12s" or "# fail 1". */
const TALLY = /\b\d+ (?:failed|passed|failing|errors?)\b|^# (?:pass|fail) \d+/;

export function failureExcerpt(feedback: string, maxChars: number): string {
  const text = feedback.replace(/^Verification failed\.[^\n]*\n/, '').trim();
  if (text.length <= maxChars) return text;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => FAILURE_START.test(line));
  const tally = [...lines].reverse().find((line) => TALLY.test(line));
  // The check's heading ("## test command") and the command line give the model the frame.
  const head = lines.slice(0, 2).join('\n');
  const from = start < 0 ? 2 : Math.max(2, start - 2);
  let body = lines.slice(from).join('\n');
  const room = maxChars - head.length - (tally ? tally.length + 8 : 0) - 40;
  if (body.length > room) body = `${body.slice(0, Math.max(0, body.lastIndexOf('\n', room)))}\n[… cut]`;
  return [head, from > 2 ? '[…]' : '', body, tally && !body.includes(tally) ? `[…]\n${tally}` : '']
    .filter(Boolean)
    .join('\n');
}
