// The enqueue action: an issues event -> (filter, permission) -> a task message on SQS -> a queued comment.
// The ncc entry point (dist/index.js). One catch: every failure ends in core.setFailed with what to fix.
import * as core from '@actions/core';
import { context } from '@actions/github';
import { assumeRoleWithOidc, sessionNameFor } from './aws-credentials.ts';
import { filterEvent } from './event-filter.ts';
import { createGitHubApi, type GitHubApi } from './github-api.ts';
import { readInputs } from './inputs.ts';
import { checkSender } from './permission.ts';
import { ensureQueuedComment, type QueuedCommentFacts } from './queued-comment.ts';
import { createTaskQueue } from './send-task.ts';
import { encodeTaskMessage, taskFromIssuesEvent } from './task-message.ts';

async function run(): Promise<void> {
  const settings = readInputs(core.getInput);

  const decision = filterEvent(context.eventName, context.payload, settings.triggerLabel);
  if (!decision.enqueue) return skip(decision.reason);
  const { payload } = decision;

  const github = createGitHubApi({ token: settings.githubToken, repository: payload.repository.full_name });
  const sender = await checkSender(payload.sender, {
    minimum: settings.minPermission,
    allowedBots: settings.allowedBots,
    lookup: (login) => github.repositoryRole(login),
  });
  // A refusal is the policy working, not a broken workflow: skipped with a warning, and no message.
  if (!sender.allowed) return skip(sender.reason, { warn: true });
  core.info(sender.detail);

  const credentials = settings.roleToAssume
    ? await assumeRoleWithOidc(
        {
          roleArn: settings.roleToAssume,
          audience: settings.audience,
          region: settings.region,
          repository: payload.repository.full_name,
          sessionName: sessionNameFor(process.env),
        },
        core,
      )
    : undefined;

  const task = taskFromIssuesEvent(payload, { triggerLabel: settings.triggerLabel, event: decision.event });
  const message = encodeTaskMessage(task);
  if (message.truncated) {
    core.warning(`the issue body was cut to fit the SQS size limit; the message is flagged body_truncated`);
  }
  const queue = createTaskQueue({ queueUrl: settings.queueUrl, region: settings.region, credentials });
  const messageId = await queue.send(message).finally(() => queue.close());
  core.info(`queued issue #${task.issue_number} of ${task.repository} as message ${messageId}`);
  setOutputs({ messageId, skipped: false, reason: '' });

  if (settings.comment) {
    await postQueuedComment(github, {
      issueNumber: task.issue_number,
      messageId,
      sender: task.sender,
      triggerLabel: settings.triggerLabel,
      runUrl: context.runId
        ? `${context.serverUrl}/${task.repository}/actions/runs/${context.runId}`
        : undefined,
    });
  }
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
