// The GitHub forge: re-validates a task against GitHub (github-prepare.ts), keeps the single
// progress comment and the commit's status or check run up to date (github-reports.ts), pushes
// auto-code/issue-N and ensures exactly one pull request (github-publish.ts). Every method looks at GitHub
// before writing, so a redelivered message, a crash between push and pull request, or between pull request
// and queue delete all end with one PR and one comment.
import type { Logger } from 'pino';
import type { Forge, TaskKey } from './forge.ts';
import type { GitHubClient, GitHubSettings } from './github-client.ts';
import { createPrepare } from './github-prepare.ts';
import { createPublish } from './github-publish.ts';
import { createReports } from './github-reports.ts';
import type { LeaseTiming } from './github-revision-lease.ts';
import { createRevisions } from './github-revisions.ts';
import { createTaskStates, type TaskStates } from './github-task-state.ts';

export { CHECK_NAME } from './github-reports.ts';

export interface GitHubForgeOptions {
  settings: GitHubSettings;
  client: GitHubClient;
  logger: Logger;
  /** Names this worker in the progress comment. */
  workerId: string;
  /** Least time between two "working" edits of the comment. Default 30000 ms. */
  workingIntervalMs?: number;
  /** Clock. Default: now. */
  now?: () => Date;
  /** How long a revision's lease on its pull request lasts and is renewed. Default LEASE_TIMING. */
  leaseTiming?: LeaseTiming;
}

export function createGitHubForge(options: GitHubForgeOptions): Forge {
  const { settings, client, logger } = options;
  const states = createTaskStates();
  const reports = createReports({
    client,
    logger,
    states,
    workerId: options.workerId,
    workingIntervalMs: options.workingIntervalMs ?? 30_000,
    now: options.now ?? (() => new Date()),
  });
  const gitConfig = gitConfigFor(settings, client, states);
  return {
    prepare: createPrepare({ settings, client, logger, states, reports }),
    gitConfig,
    report: reports.report,
    publish: createPublish({ settings, client, states, gitConfig }),
    revisions: createRevisions({
      settings,
      client,
      logger,
      states,
      reports,
      gitConfig,
      workerId: options.workerId,
      leaseTiming: options.leaseTiming,
    }),
  };
}

/** The token as an http.<origin>.extraheader, as actions/checkout does, for git's environment only. */
function gitConfigFor(
  settings: GitHubSettings,
  client: GitHubClient,
  states: TaskStates,
): Forge['gitConfig'] {
  // The origin git must send the token to: the clone URL's, else derived from the API URL.
  const origin = (task?: TaskKey) => {
    const cloneUrl = task ? states.of(task).cloneUrl : undefined;
    if (cloneUrl) return new URL(cloneUrl).origin;
    const api = new URL(settings.apiUrl);
    if (api.hostname === 'api.github.com') return 'https://github.com';
    return api.origin;
  };
  return async (task) => {
    const token = await client.gitToken(task?.repository);
    // Only ever in the git child's environment (GIT_CONFIG_COUNT).
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    return [[`http.${origin(task)}/.extraheader`, `AUTHORIZATION: basic ${basic}`]];
  };
}
