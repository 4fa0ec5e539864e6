// What the GitHub forge remembers about one issue while a task for it is under way: the progress comment,
// the commit and check run being reported on, the clone URL git sends the token to, and the chain that
// serialises reports. It is dropped after the final report, so a long-running daemon does not grow with
// every issue it has seen; a later delivery finds the progress comment again by its marker.
import { type TaskKey, taskKeyOf } from './forge.ts';

export interface TaskState {
  cloneUrl?: string;
  commentId?: number;
  /** When the last "working" report was written, while no other stage has been reported since. */
  lastWorkingAt?: number;
  commitSha?: string;
  checkRunId?: number;
  /** Serialises reports for one issue: a fire-and-forget "working" update must not race the next one. */
  chain: Promise<void>;
}

export interface TaskStates {
  /** The state, created on first use. */
  of(task: TaskKey): TaskState;
  /** Drops the state unless a newer report was queued behind `chain` meanwhile. */
  forget(task: TaskKey, chain: Promise<void>): void;
}

export function createTaskStates(): TaskStates {
  const states = new Map<string, TaskState>();
  return {
    of(task) {
      const key = taskKeyOf(task);
      let state = states.get(key);
      if (!state) {
        state = { chain: Promise.resolve() };
        states.set(key, state);
      }
      return state;
    },
    forget(task, chain) {
      if (states.get(taskKeyOf(task))?.chain === chain) states.delete(taskKeyOf(task));
    },
  };
}
