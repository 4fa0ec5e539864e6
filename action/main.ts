// The enqueue action: an issues event, or a request on CodingWorker's own pull request -> (filter,
// permission) -> a task message on SQS -> a queued progress comment.
// The ncc entry point (dist/index.js). One catch: every failure ends in core.setFailed with what to fix.
import * as core from '@actions/core';
import { context } from '@actions/github';
import { assumeRoleWithOidc, sessionNameFor } from './aws-credentials.ts';
import { filterEvent } from './event-filter.ts';
import { createGitHubApi, type GitHubApi } from './github-api.ts';
import { type ActionSettings, readInputs } from './inputs.ts';
import { checkSender, type Sender } from './permission.ts';
import { ensureQueuedComment, type QueuedCommentFacts } from './queued-comment.ts';
import {
  type Enqueue,
  filterRevisionEvent,
  isRevisionEvent,
  type PullFacts,
  pullProblem,
  revisionTask,
} from './revision-event.ts';
import { createTaskQueue } from './send-task.ts';
import {
  type AnyTask,
  encodeTaskMessage,
  type RevisionMessage,
  taskFromIssuesEvent,
} from './task-message.ts';

async function run(): Promise<void> {
  const settings = readInputs(core.getInput);
  if (isRevisionEvent(context.eventName)) return enqueueRevision(settings);

  const decision = filterEvent(context.eventName, context.payload, settings.triggerLabel);
  if (!decision.enqueue) return skip(decision.reason);
  const { payload } = decision;

  const github = createGitHubApi({ token: settings.githubToken, repository: payload.repository.full_name });
  if (!(await senderAllowed(settings, github, payload.sender))) return;

  const task = taskFromIssuesEvent(payload, { triggerLabel: settings.triggerLabel, event: decision.event });
  const messageId = await send(settings, task, 'the issue body');
  core.info(`queued issue #${task.issue_number} of ${task.repository} as message ${messageId}`);
  setOutputs({ messageId, skipped: false, reason: '' });

  if (settings.comment) {
    await postQueuedComment(github, {
      issueNumber: task.issue_number,
      messageId,
      sender: task.sender,
      triggerLabel: settings.triggerLabel,
      runUrl: runUrl(task.repository),
    });
  }
}

/** A comment, review or failed run on CodingWorker's own pull request: a revision task. */
async function enqueueRevision(settings: ActionSettings): Promise<void> {
  const decision = filterRevisionEvent(context.eventName, context.payload, settings);
  if (!decision.enqueue) return skip(decision.reason);
  const github = createGitHubApi({ token: settings.githubToken, repository: decision.repository });
  const pull = await pullOf(github, decision);
  if (typeof pull === 'string') return skip(pull);
  const notOurs = pullProblem(decision, pull);
  if (notOurs) return skip(notOurs);
  if (decision.sender && !(await senderAllowed(settings, github, decision.sender))) return;

  const task = revisionTask(decision, pull);
  const messageId = await send(settings, task, "the trigger's text");
  core.info(`queued a revision of #${task.pull_number} of ${task.repository} as message ${messageId}`);
  setOutputs({ messageId, skipped: false, reason: '' });

  if (settings.comment) {
    await postQueuedComment(github, {
      issueNumber: task.pull_number,
      messageId,
      sender: task.sender,
      revision: { trigger: TRIGGER_WORDS[task.trigger.type], url: task.trigger.html_url },
      runUrl: runUrl(task.repository),
    });
  }
}

const TRIGGER_WORDS: Record<RevisionMessage['trigger']['type'], string> = {
  comment: 'comment',
  review_comment: 'review comment',
  review: 'review',
  check_suite: 'failed check suite',
  workflow_run: 'failed workflow run',
};

/** The pull request the event is about, or why there is none to revise. */
async function pullOf(github: GitHubApi, decision: Enqueue): Promise<PullFacts | string> {
  const { pull } = decision;
  if ('head' in pull) return pull;
  if ('number' in pull)
    return (await github.pullRequest(pull.number)) ?? `pull request #${pull.number} does not exist`;
  return (await github.openPullFrom(pull.branch)) ?? `no open pull request comes from ${pull.branch}`;
}

/** A refusal is the policy working, not a broken workflow: skipped with a warning, and no message. */
async function senderAllowed(settings: ActionSettings, github: GitHubApi, sender: Sender): Promise<boolean> {
  const verdict = await checkSender(sender, {
    minimum: settings.minPermission,
    allowedBots: settings.allowedBots,
    lookup: (login) => github.repositoryRole(login),
  });
  if (!verdict.allowed) {
    skip(verdict.reason, { warn: true });
    return false;
  }
  core.info(verdict.detail);
  return true;
}

async function send(settings: ActionSettings, task: AnyTask, text: string): Promise<string> {
  const credentials = settings.roleToAssume
    ? await assumeRoleWithOidc(
        {
          roleArn: settings.roleToAssume,
          audience: settings.audience,
          region: settings.region,
          repository: task.repository,
          sessionName: sessionNameFor(process.env),
        },
        core,
      )
    : undefined;
  const message = encodeTaskMessage(task);
  if (message.truncated) {
    core.warning(`${text} was cut to fit the SQS size limit; the message is flagged body_truncated`);
  }
  const queue = createTaskQueue({ queueUrl: settings.queueUrl, region: settings.region, credentials });
  return queue.send(message).finally(() => queue.close());
}

function runUrl(repository: string): string | undefined {
  return context.runId ? `${context.serverUrl}/${repository}/actions/runs/${context.runId}` : undefined;
}

function skip(reason: string, options: { warn?: boolean } = {}): void {
  if (options.warn) core.warning(reason);
  else core.info(`skipped: ${reason}`);
  setOutputs({ messageId: '', skipped: true, reason });
}

function setOutputs(outputs: { messageId: string; skipped: boolean; reason: string }): void {
  core.setOutput('message-id', outputs.messageId);
  core.setOutput('skipped', String(outputs.skipped));
  core.setOutput('reason', outputs.reason);
}

/**
 * The message is already on the queue, so a failed comment is a warning, not a failure: failing would
 * invite a re-run that enqueues the task twice.
 */
async function postQueuedComment(github: GitHubApi, facts: QueuedCommentFacts): Promise<void> {
  try {
    const { commentId, created } = await ensureQueuedComment(github, facts);
    core.info(`${created ? 'posted' : 'updated'} the progress comment ${commentId}`);
  } catch (error) {
    core.warning(
      `the task is queued, but the progress comment failed (${errorText(error)}): ` +
        'give the job `permissions: issues: write`, or set comment: false',
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

try {
  await run();
} catch (error) {
  core.setFailed(errorText(error));
}
