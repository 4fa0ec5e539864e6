// The pull-request description: the required template (docs/requirements.md#pull-requests; Japanese by
// default, as required; English with CW_PR_LANGUAGE=en) — related issue, model, time, changed files with a
// line each, the checklist — plus the verification that ran, duration and token counts, and a collapsed
// summary of the agent's steps.
// Everything that came from the issue or the model is untrusted: it is rendered inside code spans or
// escaped, so it cannot break the Markdown, inject HTML, or ping people with @mentions.

import type { RunResult } from '../agent/runner.ts';
import { flatLine, oneLine } from './commit-message.ts';
import type { ChangedFile } from './git.ts';
import { MAX_INSTRUCTION_CHARS } from './repo-instructions.ts';

export interface DescriptionInput {
  language: 'ja' | 'en';
  issueNumber: number;
  model: string;
  /** When the change was made; shown in UTC. */
  generatedAt: Date;
  files: ChangedFile[];
  result: Pick<
    RunResult,
    | 'verdict'
    | 'summary'
    | 'steps'
    | 'durationMs'
    | 'promptTokens'
    | 'completionTokens'
    | 'verifyRounds'
    | 'reason'
    | 'strategy'
    | 'strategyReason'
    | 'shownFiles'
    | 'modelCalls'
    | 'newPromptTokens'
    | 'instructionsFile'
    | 'instructionsTruncated'
  >;
}

const TEXT = {
  ja: {
    heading: '## 自動生成されたコード',
    intro: 'このPRは CodingWorker によって自動生成されました。',
    issue: '関連Issue',
    model: '生成モデル',
    time: '生成日時',
    changes: '### 変更内容',
    status: { added: '追加', modified: '変更', deleted: '削除', 'type-changed': '種類を変更' },
    lines: (added: number, removed: number) => `+${added} / -${removed} 行`,
    binary: 'バイナリ',
    link: 'シンボリックリンク',
    summary: '### 概要',
    verification: '### 検証',
    passed: '合格',
    failed: '不合格',
    rounds: (n: number) => `検証 ${n} 回`,
    stats: (seconds: string, prompt: number, completion: number) =>
      `所要時間 ${seconds} 秒 · トークン 入力 ${prompt} / 出力 ${completion}`,
    usage: (calls: number, fresh: number) => `モデル呼び出し ${calls} 回 · 新規入力トークン ${fresh}`,
    strategy: '方式',
    shown: 'モデルに示したファイル',
    instructions: 'リポジトリの指示',
    cut: (chars: number) => `${chars} 文字に短縮`,
    checklist: '### 確認事項',
    checks: ['コードが正しく動作するか', 'テストが通るか', 'コーディング規約に準拠しているか'],
    steps: (n: number) => `エージェントの手順 (${n})`,
  },
  en: {
    heading: '## Automatically generated code',
    intro: 'This PR was generated automatically by CodingWorker.',
    issue: 'Related issue',
    model: 'Model',
    time: 'Generated at',
    changes: '### Changes',
    status: { added: 'added', modified: 'modified', deleted: 'deleted', 'type-changed': 'type changed' },
    lines: (added: number, removed: number) => `+${added} / -${removed} lines`,
    binary: 'binary',
    link: 'symbolic link',
    summary: '### Summary',
    verification: '### Verification',
    passed: 'passed',
    failed: 'failed',
    rounds: (n: number) => `${n} verification round${n === 1 ? '' : 's'}`,
    stats: (seconds: string, prompt: number, completion: number) =>
      `Took ${seconds} s · tokens: ${prompt} prompt / ${completion} completion`,
    usage: (calls: number, fresh: number) =>
      `${calls} model call${calls === 1 ? '' : 's'} · ${fresh} new prompt tokens (not read from the prompt cache)`,
    strategy: 'Strategy',
    shown: 'Files shown to the model',
    instructions: 'Repository instructions',
    cut: (chars: number) => `cut to ${chars} characters`,
    checklist: '### Checklist',
    checks: ['The code works as intended', 'The tests pass', 'It follows the coding conventions'],
    steps: (n: number) => `Agent steps (${n})`,
  },
} as const;

const MAX_FILES = 100;
const MAX_STEPS = 60;

export function pullRequestDescription(input: DescriptionInput): string {
  const text = TEXT[input.language];
  const { result } = input;
  const files = input.files.slice(0, MAX_FILES).map((file) => {
    const counts = file.added === undefined ? text.binary : text.lines(file.added, file.removed ?? 0);
    const what = file.linkTarget === undefined ? counts : `${text.link} → ${code(file.linkTarget)}`;
    return `- ${code(file.path)}: ${text.status[file.status]} (${what})`;
  });
  if (input.files.length > MAX_FILES) files.push(`- … ${input.files.length - MAX_FILES}`);
  const summary = result.summary.map((line) => `- ${escapeText(line)}`).filter((line) => line !== '- ');
  const checks = result.verdict.checks.map(
    (check) =>
      `- ${check.ok ? '✅' : '❌'} ${escapeText(check.name)}: ${code(check.detail.split('\n')[0] ?? '')}`,
  );
  const steps = result.steps.slice(0, MAX_STEPS).map((step) => {
    const exit = step.exitCode === undefined ? '' : ` → exit ${step.exitCode}`;
    return `${step.step}. ${code(step.action)}${exit}`;
  });
  if (result.steps.length > MAX_STEPS) steps.push(`… ${result.steps.length - MAX_STEPS}`);
  return [
    text.heading,
    '',
    text.intro,
    '',
    `**${text.issue}**: #${input.issueNumber}`,
    '',
    `**${text.model}**: Ollama ${code(input.model)}  `,
    `**${text.time}**: ${formatTime(input.generatedAt)}`,
    '',
    text.changes,
    ...files,
    ...(summary.length > 0 ? ['', text.summary, ...summary] : []),
    '',
    text.verification,
    `**${result.verdict.ok ? text.passed : text.failed}** · ${text.rounds(result.verifyRounds)}`,
    '',
    ...checks,
    '',
    text.stats((result.durationMs / 1_000).toFixed(1), result.promptTokens, result.completionTokens),
    '',
    ...strategyLines(text, result),
    text.checklist,
    ...text.checks.map((item) => `- [ ] ${item}`),
    '',
    '<details>',
    `<summary>${text.steps(result.steps.length)}</summary>`,
    '',
    ...(steps.length > 0 ? steps : ['-']),
    '',
    '</details>',
    '',
    `Resolves #${input.issueNumber}`,
    '',
  ].join('\n');
}

/**
 * Which strategy ran and why, the files the model was shown (the pipeline's choice), and the repository's
 * instruction file it was given.
 */
function strategyLines(text: (typeof TEXT)[keyof typeof TEXT], result: DescriptionInput['result']): string[] {
  const why = result.strategyReason ? ` (${escapeText(result.strategyReason, 160)})` : '';
  const lines = [`**${text.strategy}**: ${code(result.strategy)}${why}  `];
  const shown = (result.shownFiles ?? []).slice(0, 10).map((path) => code(path));
  if (shown.length > 0) lines.push(`**${text.shown}**: ${shown.join(', ')}  `);
  if (result.instructionsFile) {
    const cut = result.instructionsTruncated ? ` (${text.cut(MAX_INSTRUCTION_CHARS)})` : '';
    lines.push(`**${text.instructions}**: ${code(result.instructionsFile)}${cut}  `);
  }
  return [...lines, text.usage(result.modelCalls, result.newPromptTokens), ''];
}

/** "2025-01-25 10:30:00 UTC", the format of the required template (docs/requirements.md#pull-requests). */
function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * Untrusted text as one inline code span: a single line, capped, fenced with more backticks than it holds.
 * Inside a code span nothing is interpreted — no HTML, links or @mentions.
 */
export function code(text: string, max = 200): string {
  const flat = flatLine(text, max);
  if (flat === '') return '` `';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Untrusted prose on one line: Markdown punctuation backslash-escaped, HTML characters as entities, and a
 * zero-width space after "@" so "@someone" is shown but does not notify (renovate does the same).
 */
export function escapeText(text: string, max = 300): string {
  return oneLine(text, max)
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@&#8203;');
}
