// What `codingworker eval` prints: one line per task, the totals (solved n/N, medians), and the --json
// document. Medians, not means: one task that loops to its step limit must not hide what a typical task costs.
import type { TaskScore } from './run-task.ts';

export interface Totals {
  solved: number;
  tasks: number;
  /** Solved / tasks, in percent with one decimal. */
  solvedPercent: number;
  median: Pick<
    TaskScore,
    | 'modelCalls'
    | 'promptTokens'
    | 'completionTokens'
    | 'newPromptTokens'
    | 'modelMs'
    | 'wallMs'
    | 'nonModelMs'
  >;
}

export interface EvalReport {
  suite: string;
  model: string;
  strategy: string;
  startedAt: string;
  totals: Totals;
  tasks: TaskScore[];
}

const COLUMNS = ['task', 'result', 'calls', 'prompt', 'new', 'reply', 'model s', 'wall s', 'other s'];

export function totals(scores: TaskScore[]): Totals {
  const solved = scores.filter((score) => score.solved).length;
  const median = (pick: (score: TaskScore) => number) => medianOf(scores.map(pick));
  return {
    solved,
    tasks: scores.length,
    solvedPercent: scores.length === 0 ? 0 : Math.round((solved / scores.length) * 1000) / 10,
    median: {
      modelCalls: median((score) => score.modelCalls),
      promptTokens: median((score) => score.promptTokens),
      completionTokens: median((score) => score.completionTokens),
      newPromptTokens: median((score) => score.newPromptTokens),
      modelMs: median((score) => score.modelMs),
      wallMs: median((score) => score.wallMs),
      nonModelMs: median((score) => score.nonModelMs),
    },
  };
}

/** The middle value; for an even count the mean of the two middle ones. 0 for none. */
export function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The header of the per-task table (tab-separated, like every line after it). */
export function headerLine(): string {
  return COLUMNS.join('\t');
}

/** One task: id, solved/FAILED, calls, prompt/new/reply tokens, model/wall/non-model seconds, then the why. */
export function taskLine(score: TaskScore): string {
  const cells = [
    score.id,
    score.solved ? 'solved' : 'FAILED',
    String(score.modelCalls),
    String(score.promptTokens),
    String(score.newPromptTokens),
    String(score.completionTokens),
    seconds(score.modelMs),
    seconds(score.wallMs),
    seconds(score.nonModelMs),
  ];
  return score.why ? `${cells.join('\t')}\t${score.why}` : cells.join('\t');
}

/** The totals, a few lines: solved n/N (%), then the medians. */
export function totalsLines(value: Totals): string[] {
  const { median } = value;
  return [
    `solved ${value.solved}/${value.tasks} (${value.solvedPercent.toFixed(1)} %)`,
    `median per task: ${median.modelCalls} model calls, ${median.promptTokens} prompt tokens (${median.newPromptTokens} new), ${median.completionTokens} reply tokens`,
    `median time per task: model ${seconds(median.modelMs)} s, wall ${seconds(median.wallMs)} s, other ${seconds(median.nonModelMs)} s`,
  ];
}

export function reportDocument(
  run: { suite: string; model: string; strategy: string; startedAt: Date },
  scores: TaskScore[],
): EvalReport {
  return {
    suite: run.suite,
    model: run.model,
    strategy: run.strategy,
    startedAt: run.startedAt.toISOString(),
    totals: totals(scores),
    tasks: scores,
  };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
