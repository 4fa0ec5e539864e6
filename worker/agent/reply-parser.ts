// The action protocol: one fenced ```bash block per reply. Parsed from plain text so that it works with
// any model, including the small ones that cannot do native tool calls (docs/agent.md).

export type ParsedReply =
  | { kind: 'command'; command: string; via: 'fence' | 'json' }
  | { kind: 'invalid'; problem: 'no-block' | 'several-blocks' | 'json-without-command' | 'empty-command' };

/** Fence languages that mean "run this in the shell". */
const SHELL_TAGS = new Set(['bash', 'sh', 'shell', 'zsh', 'console']);
/** Tool names small models invent for "run a shell command" when they answer with a JSON tool call. */
const SHELL_TOOL_NAMES = new Set([
  'bash',
  'sh',
  'shell',
  'terminal',
  'run',
  'exec',
  'execute',
  'execute_bash',
  'execute_command',
  'run_command',
  'run_shell_command',
  'shell_command',
  'cmd',
  'command',
]);
/** Argument names that carry the command in such a JSON call. */
const COMMAND_KEYS = ['command', 'cmd', 'script', 'code', 'bash'];

/** ``` or ~~~ fences at the start of a line, with an optional language; the closing fence on its own line. */
const FENCE = /^[ \t]*(`{3,20}|~{3,20})[ \t]*([\w+-]*)[^\n]*\n(?:([\s\S]*?)\n)?[ \t]*\1[ \t]*$/gm;

export function parseReply(content: string): ParsedReply {
  const blocks = [...content.matchAll(FENCE)].map((match) => ({
    tag: (match[2] ?? '').toLowerCase(),
    body: match[3] ?? '',
  }));
  const shellBlocks = blocks.filter((block) => SHELL_TAGS.has(block.tag));
  if (shellBlocks.length > 1) return { kind: 'invalid', problem: 'several-blocks' };
  if (shellBlocks.length === 1) {
    const command = shellBlocks[0]!.body.trim();
    return command
      ? { kind: 'command', command, via: 'fence' }
      : { kind: 'invalid', problem: 'empty-command' };
  }
  // No bash block: the reply may be a bare JSON "tool call" (qwen2.5-coder does this), plain or in a
  // ```json block.
  const candidates = [
    ...blocks.filter((block) => block.tag === 'json' || block.tag === '').map((block) => block.body),
    content,
  ];
  let sawJson = false;
  for (const candidate of candidates) {
    const json = parseJsonObject(candidate);
    if (json === undefined) continue;
    sawJson = true;
    const command = commandFromToolCall(json);
    if (command) return { kind: 'command', command, via: 'json' };
  }
  return { kind: 'invalid', problem: sawJson ? 'json-without-command' : 'no-block' };
}

/** The first JSON object in the text (whole text, or from the first "{" to the last "}"). */
function parseJsonObject(text: string): unknown {
  const trimmed = text.trim();
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  for (const slice of [trimmed, trimmed.slice(start, end + 1)]) {
    try {
      const value: unknown = JSON.parse(slice);
      if (value && typeof value === 'object') return value;
    } catch {
      // Not JSON: try the next slice.
    }
  }
  return undefined;
}

/**
 * Reads a command out of the shapes models produce, when it clearly names one:
 * {"name":"bash","arguments":{"command":"..."}}, {"function":{"name":...,"arguments":"{...}"}},
 * [{"name":...}] (a list with one call), {"tool":"bash","command":"..."}, {"command":"..."}.
 */
export function commandFromToolCall(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? commandFromToolCall(value[0]) : undefined;
  if (!value || typeof value !== 'object') return undefined;
  const call = value as Record<string, unknown>;
  if (call.function && typeof call.function === 'object') return commandFromToolCall(call.function);
  if (Array.isArray(call.tool_calls)) return commandFromToolCall(call.tool_calls);
  const name = call.name ?? call.tool ?? call.tool_name;
  if (name !== undefined && (typeof name !== 'string' || !SHELL_TOOL_NAMES.has(name.toLowerCase()))) {
    return undefined;
  }
  let args: unknown = call.arguments ?? call.parameters ?? call.args ?? call.input ?? call;
  if (typeof args === 'string') {
    const text = args.trim();
    try {
      args = JSON.parse(text);
    } catch {
      // {"name":"bash","arguments":"ls -la"}: the string is the command itself.
      return name !== undefined && text ? text : undefined;
    }
  }
  if (!args || typeof args !== 'object') return undefined;
  for (const key of COMMAND_KEYS) {
    const command = (args as Record<string, unknown>)[key];
    if (typeof command === 'string' && command.trim()) return command.trim();
    if (Array.isArray(command) && command.every((part) => typeof part === 'string') && command.length > 0) {
      return command.join(' ');
    }
  }
  return undefined;
}

/** The done marker must be the command's output line, e.g. from `echo CODINGWORKER_DONE`. */
export const DONE_MARKER = 'CODINGWORKER_DONE';

export function isDone(stdout: string, exitCode: number): boolean {
  if (exitCode !== 0) return false;
  const lines = stdout.split('\n').map((line) => line.trim());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.at(-1) === DONE_MARKER;
}

/** Bullet lines ("- ", "* ", "1. ") written outside code blocks: the agent's summary of its change. */
export function summaryLines(content: string): string[] {
  const prose = content.replace(FENCE, '');
  const lines: string[] = [];
  for (const line of prose.split('\n')) {
    const bullet = /^\s*(?:[-*•]|\d+[.)])\s+(.+)$/.exec(line);
    if (bullet?.[1]) lines.push(bullet[1].trim());
  }
  return lines;
}
