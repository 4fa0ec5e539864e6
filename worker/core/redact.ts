// Removes secrets from anything about to leave the process (logs, issue comments, error reports).
// Two nets: by key (a field named like a secret is hidden whatever it holds) and by value pattern
// (a token pasted into an error message or a URL is hidden wherever it appears).

export const REDACTED = '[REDACTED]';

/** Field names whose values are always hidden. Matched case-insensitively, ignoring - and _. */
const SECRET_KEY =
  /(token(?!s|count|limit)|authorization|password|passwd|secret|privatekey|apikey|accesskey|credential|cookie|signature|sessionkey)/i;

/**
 * Secret shapes, each replaced wholesale. Ordered so that the longer forms win (a PEM block before its
 * lines, a URL userinfo before the token inside it).
 */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // PEM private keys, also JSON-escaped (\n as two characters) inside an already serialised line.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g, REDACTED],
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*/g, REDACTED],
  // Credentials in URLs: https://x-access-token:TOKEN@github.com, https://user:pass@host. Found from
  // the "://" and checked for a scheme behind it: a scheme matched first was tried from every letter
  // of a long word to its end, quadratic (4 s for a 100,000-character line in a log).
  [/:\/\/(?<=[a-z][a-z0-9+.-]*:\/\/)[^/\s:@"'<>]+:[^/\s@"'<>]+@/gi, `://${REDACTED}@`],
  [/x-access-token:[^@\s"'<>]+@/gi, `x-access-token:${REDACTED}@`],
  // GitHub tokens: classic and OAuth/user/server/refresh tokens, fine-grained PATs.
  [/\bgh[pousr]_[A-Za-z0-9]{20,255}\b/g, REDACTED],
  [/\bgithub_pat_[A-Za-z0-9_]{20,255}\b/g, REDACTED],
  // AWS access key ids (long-term AKIA, temporary ASIA).
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
  // HTTP authorization headers written out as text, then bare Bearer/Basic credentials.
  [/(authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|token|basic)\s+)?[^\s"',}]+/gi, `$1${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
];

/** The text with every secret-shaped substring replaced by [REDACTED]. */
export function redactText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.replace(/[-_]/g, ''));
}

/**
 * A deep copy of value with secrets hidden by key and by pattern. Errors become plain objects (type,
 * message, stack, cause and own fields), all redacted, so a token inside an error message never escapes.
 */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    const plain: Record<string, unknown> = {
      type: value.name,
      message: redactText(value.message),
      stack: value.stack === undefined ? undefined : redactText(value.stack),
    };
    for (const [key, item] of Object.entries(value)) {
      plain[key] = isSecretKey(key) ? REDACTED : redactValue(item, seen);
    }
    if (value.cause !== undefined) plain.cause = redactValue(value.cause, seen);
    return plain;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactValue(item, seen);
  }
  return copy;
}
