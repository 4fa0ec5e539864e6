// The trajectory: what the agent saw and did, one JSON object per line, for the operator to read after a
// task (`jq`, or any editor). Kept in memory during the run and written once, in the runner's finally.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

export type TrajectoryEvent =
  | { type: 'start'; repository: string; issue: number; model: string; contextTokens: number }
  | { type: 'message'; role: 'system' | 'user' | 'assistant'; content: string }
  | {
      type: 'model';
      step: number;
      promptTokens: number;
      completionTokens: number;
      newPromptTokens: number;
      durationMs: number;
      /** The pipeline's stage of the call: choose, edit (also after a failed check) or correct. */
      stage?: string;
    }
  /** What the runner did besides model calls: the strategy chosen, the setup transcript, a pipeline note. */
  | { type: 'stage'; stage: string; detail: string }
  | {
      type: 'totals';
      strategy: string;
      modelCalls: number;
      promptTokens: number;
      completionTokens: number;
      newPromptTokens: number;
      modelMs: number;
    }
  | {
      type: 'command';
      step: number;
      command: string;
      exitCode: number;
      durationMs: number;
      timedOut: boolean;
      truncated: boolean;
      via: 'fence' | 'json';
    }
  | { type: 'context'; step: number; estimatedTokens: number; shortened: number }
  | {
      type: 'verify';
      round: number;
      ok: boolean;
      checks: Array<{ name: string; ok: boolean; detail: string }>;
    }
  | { type: 'end'; finished: boolean; reason: string; durationMs: number; error?: string };

export class Trajectory {
  readonly path: string;
  private readonly lines: string[] = [];

  constructor(path: string) {
    this.path = path;
  }

  record(event: TrajectoryEvent): void {
    this.lines.push(JSON.stringify({ at: new Date().toISOString(), ...event }));
  }

  get events(): TrajectoryEvent[] {
    return this.lines.map((line) => JSON.parse(line) as TrajectoryEvent);
  }

  /** Writes the file (owner-only: it holds repository code). Returns the path. */
  async save(): Promise<string> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
    await writeFile(this.path, `${this.lines.join('\n')}\n`, { mode: 0o600 });
    return this.path;
  }
}

/** <workDir>/trajectories/<owner>-<name>-<issue>-<time>.jsonl. */
export function trajectoryPath(workDir: string, repository: string, issue: number, now = new Date()): string {
  const time = now.toISOString().replace(/[:.]/g, '-');
  const repo = repository.replace(/[^A-Za-z0-9._-]+/g, '-');
  return join(workDir, 'trajectories', `${repo}-${issue}-${time}.jsonl`);
}

/** A trajectory for one task, opened with its start event (both runners begin the same way). */
export function startTrajectory(
  workDir: string,
  task: { repository: string; issue_number: number },
  model: { name: string; contextTokens: number },
): Trajectory {
  const trajectory = new Trajectory(trajectoryPath(workDir, task.repository, task.issue_number));
  trajectory.record({
    type: 'start',
    repository: task.repository,
    issue: task.issue_number,
    model: model.name,
    contextTokens: model.contextTokens,
  });
  return trajectory;
}

/**
 * Records how the run ended (an error that ended it wins over the run's own reason) and saves the file.
 * A failed save is logged, not thrown: the task's own outcome matters more than its record.
 */
export async function endTrajectory(
  trajectory: Trajectory,
  end: { finished: boolean; reason: string; startedAt: number; failure?: unknown },
  logger: Logger,
): Promise<void> {
  const { failure } = end;
  trajectory.record({
    type: 'end',
    finished: !failure && end.finished,
    reason: failure ? 'error' : end.reason,
    durationMs: Date.now() - end.startedAt,
    ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
  });
  await trajectory.save().then(
    (path) => logger.info({ trajectory: path }, 'Saved the agent trajectory'),
    (error: unknown) => logger.warn({ err: error }, 'Could not save the agent trajectory'),
  );
}
