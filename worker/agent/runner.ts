// A runner turns a task and a checkout into a change: the built-in text-protocol agent (worker/agent/),
// or the opt-in OpenHands CLI in Docker. The job pipeline (worker/job/pipeline.ts) depends only on this interface.
import type { TaskMessage } from '../../action/task-message.ts';
import type { RepoInstructions } from '../job/repo-instructions.ts';

export interface Verdict {
  ok: boolean;
  /** One line per check that ran, e.g. "python syntax: 2 files ok", "npm test: exit 1". */
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  /** What to tell the agent when not ok (bounded output). */
  feedback: string;
}

export interface StepRecord {
  step: number;
  /** The command the agent ran (or a short note for a corrective turn). */
  action: string;
  exitCode?: number;
}

export interface RunResult {
  /** The agent said it was done (CODINGWORKER_DONE) rather than hitting a limit. */
  finished: boolean;
  /** Why it stopped, e.g. "done", "step limit 30 reached". */
  reason: string;
  /** Bullet lines for the commit message and the pull request (docs/requirements.md#commit-message). */
  summary: string[];
  steps: StepRecord[];
  verdict: Verdict;
  /** Verification rounds used (1 = passed or failed on the first check). */
  verifyRounds: number;
  /** Which strategy made it: "pipeline" or "shell" (the built-in agent), or "openhands". */
  strategy: string;
  /** Why that strategy, one line (e.g. "auto: 1.5B parameters, pipeline up to 8B"). */
  strategyReason?: string;
  modelCalls: number;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the model had to read anew: not in the common prefix with its previous request. */
  newPromptTokens: number;
  /** Time spent waiting for the model, ms. */
  modelMs: number;
  durationMs: number;
  /** Repository-relative files the model was shown (the pipeline strategy). */
  shownFiles?: string[];
  /** Where the trajectory (JSON lines) was saved. */
  trajectoryPath?: string;
  /** The repository's instruction file the agent was given (e.g. "AGENTS.md"); set by the job. */
  instructionsFile?: string;
  /** That file was cut to MAX_INSTRUCTION_CHARS (worker/job/repo-instructions.ts). */
  instructionsTruncated?: boolean;
}

export interface RunInput {
  task: TaskMessage;
  /** The repository checkout on the host; the runner mounts only this into its container. */
  workspace: string;
  signal: AbortSignal;
  /**
   * Checks the workspace; the runner gives failures back to the agent for a bounded number of rounds.
   * The signal stops a check under way: the runner passes `signal`, or one that also ends at its wall limit.
   */
  verify: (signal: AbortSignal) => Promise<Verdict>;
  /** The repository's test command (.codingworker.yml), when it has one: then several attempts can be
   * told apart by verify(), and the pipeline strategy tries up to CW_CANDIDATES. */
  testCommand?: string;
  /** The repository's instructions for agents (AGENTS.md ...), read from the clone before the run. */
  instructions?: RepoInstructions;
  /** What the setup phase did (its commands, exit codes and last lines, redacted), for the trajectory. */
  setupTranscript?: string;
  onProgress?: (progress: { step: number; lastAction: string }) => void;
}

export interface Runner {
  run(input: RunInput): Promise<RunResult>;
}
