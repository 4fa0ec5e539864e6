// The pipeline strategy, for small models: the harness does the navigation and the model only edits code
// it is shown. Context (the localizer ranks files) -> choose (no model call when the ranking is decisive)
// -> show (whole file, or the related definitions) -> edit (whole file or search/replace, applied
// leniently, corrections on bad output) -> verify (failures go back for CW_VERIFY_ROUNDS rounds). With a
// test command, up to CW_CANDIDATES attempts at different seeds, the first that passes wins.
// Every request starts with the same system prompt, issue and candidate list, so the model's prompt cache
// is reused; what changes is appended.
import { localizeInThread } from '../../context/localize-thread.ts';
import type { Candidate } from '../../context/types.ts';
import { PermanentError } from '../../core/errors.ts';
import type { Settings } from '../../core/settings.ts';
import type { Model } from '../../model/model.ts';
import { promptBudget, replyTokens, TokenEstimator } from '../context-budget.ts';
import type { EditFormat } from '../edits/edit-feedback.ts';
import type { RunInput, StepRecord, Verdict } from '../runner.ts';
import type { Trajectory } from '../trajectory.ts';
import { capText, quoteAsData, stripHiddenText, toSafeLine } from '../untrusted-text.ts';
import { CHOICES, type Choice, decisiveChoice, parseChoice } from './choose.ts';
import { Conversation, type ModelUse, newModelUse, PipelineLimit } from './conversation.ts';
import { editExchange } from './edit-exchange.ts';
import { failureExcerpt } from './failure-excerpt.ts';
import {
  CHOOSE_QUESTION,
  contextPrompt,
  editPrompt,
  feedbackPrompt,
  PIPELINE_SYSTEM_PROMPT,
} from './prompts.ts';
import { type FileView, viewFile } from './show.ts';
import { createWorkspaceFiles, type WorkspaceFiles } from './workspace-files.ts';

/** The first attempt's temperature, and the later candidates' (different seeds, more varied). */
const FIRST_TEMPERATURE = 0.2;
const CANDIDATE_TEMPERATURE = 0.7;
/** Characters of a file shown whole; larger files are shown as excerpts and edited with search/replace. */
const WHOLE_FILE_CHARS = 9_000;
/** Below this many tokens left for an edit reply, the context is too small for the task. */
const MIN_REPLY_TOKENS = 512;
/** Kept free between the prompt and the reply: the estimate is only an estimate. */
const REPLY_SLACK_TOKENS = 256;
/** Characters of test output sent back after a failed check. */
const FEEDBACK_CHARS = 2_500;

export interface PipelineDeps {
  model: Model;
  settings: Settings;
  trajectory: Trajectory;
}

export interface PipelineOutcome {
  finished: boolean;
  reason: string;
  verdict: Verdict;
  verifyRounds: number;
  steps: StepRecord[];
  use: ModelUse;
  shownFiles: string[];
  changedFiles: string[];
}

export async function runPipeline(
  deps: PipelineDeps,
  input: RunInput,
  signal: AbortSignal,
): Promise<PipelineOutcome> {
  const run = newRun(deps, input, signal);
  try {
    const prepared = await prepare(run, input);
    if ('failed' in prepared) return run.outcome(false, prepared.failed);
    return await tryCandidates(run, deps.settings, input, prepared.views);
  } catch (error) {
    // A limit, or the wall time or the task stopping it (the caller tells which): what was done so far
    // is the outcome, with its model calls and steps; anything else is the task's error.
    if (error instanceof PipelineLimit) return run.outcome(false, error.message);
    if (signal.aborted) return run.outcome(false, 'stopped');
    throw error;
  }
}

type Run = ReturnType<typeof newRun>;

/** What one task's run keeps: its steps, model use, the files it wrote, and the conversation. */
function newRun({ model, trajectory, settings }: PipelineDeps, input: RunInput, signal: AbortSignal) {
  const steps: StepRecord[] = [];
  const use = newModelUse();
  const files = createWorkspaceFiles(input.workspace);
  const estimator = new TokenEstimator();
  const limits = { maxCalls: settings.agent.maxSteps, maxTokens: settings.agent.maxTokens };
  const conversation = new Conversation({ model, estimator, trajectory, use, signal, limits }, [
    { role: 'system', content: PIPELINE_SYSTEM_PROMPT },
  ]);
  /** What the outcome reports when the run ends early: the last verdict, the rounds, the files shown. */
  const progress: { verdict: Verdict; rounds: number; shown: string[] } = {
    verdict: notChecked('no change was applied'),
    rounds: 0,
    shown: [],
  };
  const note = (action: string) => {
    steps.push({ step: steps.length + 1, action });
    trajectory.record({ type: 'stage', stage: 'note', detail: action });
    input.onProgress?.({ step: steps.length, lastAction: toSafeLine(action, 80) });
  };
  const outcome = (finished: boolean, reason: string): PipelineOutcome => ({
    finished,
    reason,
    verdict: progress.verdict,
    verifyRounds: progress.rounds,
    steps,
    use,
    shownFiles: progress.shown,
    changedFiles: files.written(),
  });
  return {
    files,
    conversation,
    note,
    outcome,
    progress,
    signal,
    estimator,
    contextTokens: model.contextTokens,
  };
}

/** Context, choice and view: the conversation then holds the stable prefix and the files to change. */
async function prepare(run: Run, input: RunInput): Promise<{ views: FileView[] } | { failed: string }> {
  const candidates = await findCandidates(input, run.note);
  if (candidates.length === 0) return { failed: 'no file of the repository could be related to the issue' };
  const context = contextPrompt(
    issueText(input, run.contextTokens),
    candidates.slice(0, CHOICES),
    input.instructions,
  );
  const choice = await choose(run.conversation, context, candidates, run.note);
  const views = await showFiles(run.files, choice, candidates, run.contextTokens);
  if (views.length === 0) return { failed: 'the chosen files could not be read' };
  // Without the choosing call, the context and the files go in one message: still one stable prefix.
  const opening = choice.asked ? editPrompt(views) : `${context}\n\n${editPrompt(views)}`;
  run.conversation.add({ role: 'user', content: opening });
  run.progress.shown = views.map((view) => view.path);
  return { views };
}

/** Up to CW_CANDIDATES attempts with a test command (one without), each from the clean checkout. */
async function tryCandidates(
  run: Run,
  settings: Settings,
  input: RunInput,
  views: FileView[],
): Promise<PipelineOutcome> {
  const attempts = input.testCommand ? settings.agent.candidates : 1;
  const shared = {
    files: run.files,
    shownPaths: run.progress.shown,
    format: (views.every((view) => view.whole) ? 'whole' : 'replace') as EditFormat,
    partialPaths: new Set(views.filter((view) => !view.whole).map((view) => view.path)),
    maxTokens: replyRoom(run, views),
    note: run.note,
  };
  let reason = 'no attempt finished';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    run.signal.throwIfAborted();
    if (attempt > 1) {
      await run.files.restore();
      run.note(`attempt ${attempt} of ${attempts}, from the clean checkout`);
    }
    const sampling = {
      temperature: attempt === 1 ? FIRST_TEMPERATURE : CANDIDATE_TEMPERATURE,
      seed: attempt,
    };
    const exchange = { ...shared, conversation: run.conversation.fork(), sampling };
    const result = await attemptRounds(exchange, input, settings.agent.verifyRounds, run.signal);
    run.progress.rounds += result.rounds;
    run.progress.verdict = result.verdict ?? notChecked('no change was applied');
    reason = result.reason;
    if (result.verdict?.ok) return run.outcome(true, 'done');
  }
  // The last attempt's checked change stays, so the job reports its failed checks; an attempt that ended
  // without one leaves the clean checkout.
  if (!run.progress.verdict.checks.length) await run.files.restore();
  return run.outcome(run.files.written().length > 0, reason);
}

/**
 * Room for the edit reply: a whole file back with slack (editReplyTokens), inside what the stable prefix
 * leaves of num_ctx. A prefix that leaves too little is the settings' problem, said as such: Ollama would
 * otherwise cut the system prompt without a word.
 */
function replyRoom(run: Run, views: FileView[]): number {
  const prefix = run.estimator.estimate(run.conversation.messages);
  const room = run.contextTokens - prefix - REPLY_SLACK_TOKENS;
  if (room < MIN_REPLY_TOKENS) {
    throw new PermanentError(
      `the instructions, the issue and the files shown need about ${prefix} of the ${run.contextTokens}-token context, leaving too little for the reply: raise CW_NUM_CTX`,
    );
  }
  return Math.min(editReplyTokens(views, run.contextTokens), room);
}

/** One attempt: an edit, then checks, and the failed check's output back to the model while rounds last. */
async function attemptRounds(
  exchange: Parameters<typeof editExchange>[0],
  input: RunInput,
  retries: number,
  signal: AbortSignal,
): Promise<{ verdict?: Verdict; rounds: number; reason: string }> {
  let verdict: Verdict | undefined;
  let checkedWrites = exchange.files.writes();
  for (let round = 1; ; round += 1) {
    const edit = await editExchange(exchange);
    if ('gaveUp' in edit) {
      // Blocks applied before it gave up are in the checkout: the verdict must be of what is there.
      if (verdict && exchange.files.writes() !== checkedWrites) verdict = await input.verify(signal);
      return { verdict, rounds: verdict ? round : round - 1, reason: edit.gaveUp };
    }
    verdict = await input.verify(signal);
    checkedWrites = exchange.files.writes();
    exchange.note(`check ${round}: ${verdict.ok ? 'passed' : 'failed'}`);
    if (verdict.ok) return { verdict, rounds: round, reason: 'done' };
    if (round > retries)
      return { verdict, rounds: round, reason: `the checks still failed after ${round} rounds` };
    const content = feedbackPrompt(failureExcerpt(verdict.feedback, FEEDBACK_CHARS), retries + 1 - round);
    exchange.conversation.add({ role: 'user', content });
  }
}

async function findCandidates(input: RunInput, note: (action: string) => void): Promise<Candidate[]> {
  const { task } = input;
  const started = performance.now();
  const result = await localizeInThread({
    repoPath: input.workspace,
    issueText: `${stripHiddenText(task.title)}\n\n${stripHiddenText(task.body)}`,
    top: CHOICES,
  });
  note(
    `localized: ${result.candidates.length} candidate files in ${Math.round(performance.now() - started)} ms`,
  );
  return result.candidates;
}

/** The issue quoted as data once per task (its random tag is part of the stable prefix), capped. */
function issueText(input: RunInput, contextTokens: number): string {
  const { task } = input;
  const body = capText(stripHiddenText(task.body), Math.floor(promptBudget(contextTokens) * 0.5));
  return quoteAsData('ISSUE', `Title: ${stripHiddenText(task.title)}\n\n${body || '(no description)'}`);
}

async function choose(
  conversation: Conversation,
  context: string,
  candidates: Candidate[],
  note: (action: string) => void,
): Promise<Choice & { asked: boolean }> {
  const decided = decisiveChoice(candidates);
  if (decided) {
    note(`chose ${decided.paths.join(', ')}: ${decided.why}`);
    return { ...decided, asked: false };
  }
  conversation.add({ role: 'user', content: `${context}\n\n${CHOOSE_QUESTION}` });
  const reply = await conversation.ask('choose', { temperature: 0, seed: 0, maxTokens: 60, stop: ['\n\n'] });
  const picked = parseChoice(reply, candidates);
  note(`chose ${picked.paths.join(', ')}: ${picked.why}`);
  return { ...picked, asked: true };
}

/** The chosen files as the model sees them, within about half the prompt budget between them. */
async function showFiles(
  files: WorkspaceFiles,
  choice: Choice,
  candidates: Candidate[],
  contextTokens: number,
): Promise<FileView[]> {
  const room = Math.floor(promptBudget(contextTokens) * 0.5 * 3);
  const each = Math.min(WHOLE_FILE_CHARS, Math.floor(room / choice.paths.length));
  const views: FileView[] = [];
  for (const path of choice.paths) {
    const content = await files.read(path);
    if (content === undefined) continue;
    const symbols = candidates.find((candidate) => candidate.path === path)?.symbols ?? [];
    views.push(viewFile(path, content, symbols, each));
  }
  return views;
}

/** Room for the reply: a whole file back, with some slack, inside what the window leaves. */
function editReplyTokens(views: FileView[], contextTokens: number): number {
  const shownTokens = Math.ceil(views.reduce((sum, view) => sum + view.text.length, 0) / 3);
  const wanted = Math.max(replyTokens(contextTokens), Math.ceil(shownTokens * 1.3) + 256);
  return Math.min(wanted, Math.floor(contextTokens / 2));
}

function notChecked(why: string): Verdict {
  return { ok: false, checks: [], feedback: why };
}
