// `codingworker enqueue`: send a task by hand, built by the same code as the action (taskFromIssuesEvent,
// encodeTaskMessage), to CW_QUEUE_URL or to the embedded queue of a running `codingworker start`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Octokit } from '@octokit/rest';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import {
  encodeTaskMessage,
  type IssuesEventPayload,
  type TaskMessage,
  taskFromIssuesEvent,
} from '../../../action/task-message.ts';
import { errorMessage } from '../../core/errors.ts';
import { diskProblem, type Statfs } from '../../core/free-space.ts';
import { loadSettings, type Settings } from '../../core/settings.ts';
import { configuredQueue } from '../../queue/sqs-client.ts';

/** The issue as an `issues` event payload, fetched from GitHub (GITHUB_TOKEN at GITHUB_API_URL). */
async function payloadFromGitHub(
  settings: Settings,
  repository: string,
  issue: number,
): Promise<IssuesEventPayload> {
  if (!settings.github.token) {
    throw new Error('--repo/--issue reads the issue from GitHub: set GITHUB_TOKEN (or use --payload <file>)');
  }
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`--repo must be owner/name, not "${repository}"`);
  const octokit = new Octokit({ auth: settings.github.token, baseUrl: settings.github.apiUrl });
  const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: issue });
  // The sender of a manual task is whoever runs the command; an App token has no user, so fall back to
  // the issue's author.
  const sender = await octokit.rest.users
    .getAuthenticated()
    .then((response) => response.data.login)
    .catch(() => data.user?.login ?? 'codingworker-cli');
  return {
    action: 'manual',
    issue: {
      number: data.number,
      title: data.title,
      body: data.body ?? '',
      labels: data.labels
        .map((label) => (typeof label === 'string' ? label : (label.name ?? '')))
        .filter(Boolean),
      assignees: (data.assignees ?? []).map((assignee) => ({ login: assignee.login })),
      created_at: data.created_at,
      updated_at: data.updated_at,
      html_url: data.html_url,
    },
    repository: { full_name: repository },
    sender: { login: sender },
  };
}

/** Where each task field comes from in an issues event payload, so that errors name the payload's field. */
const PAYLOAD_FIELD: Record<string, string> = {
  issue_number: 'issue.number',
  repository: 'repository.full_name',
  title: 'issue.title',
  body: 'issue.body',
  labels: 'issue.labels',
  assignees: 'issue.assignees',
  created_at: 'issue.created_at',
  updated_at: 'issue.updated_at',
  html_url: 'issue.html_url',
  sender: 'sender.login',
};

/** The task for an issues webhook payload in a file; every failure names the file and what to fix. */
function taskFromPayloadFile(file: string, settings: Settings): TaskMessage {
  const where = `--payload ${file}`;
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const problem = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new Error(`${where} ${problem}: ${errorMessage(error)}`);
  }
  for (const key of ['issue', 'repository', 'sender']) {
    const value = (payload as Record<string, unknown> | null)?.[key];
    if (typeof value !== 'object' || value === null) {
      throw new Error(
        `${where}: "${key}" is missing: give an issues webhook payload (issue, repository, sender)`,
      );
    }
  }
  try {
    return taskFromIssuesEvent(payload as IssuesEventPayload, { triggerLabel: settings.github.triggerLabel });
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    const problems = error.issues.map((issue) => {
      const [field, ...rest] = issue.path.map(String);
      return `${[PAYLOAD_FIELD[field ?? ''] ?? field, ...rest].join('.')}: ${issue.message}`;
    });
    throw new Error(`${where} is not a usable issues event: ${problems.join('; ')}`);
  }
}

/**
 * Why the embedded queue did not take the message. Only a refused connection means no daemon runs; a
 * running one that answers with an error (SQLite's "database or disk is full") is told as that, with the path.
 */
export async function embeddedSendError(
  error: unknown,
  queueUrl: string,
  workDir: string,
  statfs?: Statfs,
): Promise<Error> {
  if ((error as { code?: string }).code === 'ECONNREFUSED') {
    return new Error(
      `cannot reach the embedded queue at ${queueUrl} (${errorMessage(error)}): start the worker first with codingworker start, or set CW_QUEUE_URL`,
    );
  }
  const stateDir = join(workDir, 'queue');
  const disk = await diskProblem(stateDir, statfs).catch(() => undefined);
  return new Error(
    `the embedded queue at ${queueUrl} refused the message: ${errorMessage(error)}${
      disk
        ? ` (${disk}: free disk space, or point CW_WORK_DIR at a larger disk)`
        : ` (its state is in ${stateDir})`
    }`,
  );
}

export function register(program: Command): void {
  program
    .command('enqueue')
    .description(
      'send a task message for an issue to the queue (CW_QUEUE_URL, else the running embedded queue)',
    )
    .addOption(
      new Option('--payload <file>', 'an issues webhook payload (JSON)').conflicts(['repo', 'issue']),
    )
    .option('--repo <owner/name>', 'the repository (with --issue; reads the issue with GITHUB_TOKEN)')
    .option('--issue <number>', 'the issue number (with --repo)', (value) => Number.parseInt(value, 10))
    .action(async (options: { payload?: string; repo?: string; issue?: number }) => {
      const settings = loadSettings();
      let task: TaskMessage;
      if (options.payload) {
        task = taskFromPayloadFile(options.payload, settings);
      } else if (options.repo && options.issue && Number.isInteger(options.issue)) {
        const payload = await payloadFromGitHub(settings, options.repo, options.issue);
        task = taskFromIssuesEvent(payload, { triggerLabel: settings.github.triggerLabel, event: 'manual' });
      } else {
        throw new Error('give --payload <webhook.json>, or --repo owner/name --issue N');
      }
      const message = encodeTaskMessage(task);
      const { client, queueUrl, embedded } = configuredQueue(settings);
      try {
        const sent = await client.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: message.body,
            MessageAttributes: message.attributes,
          }),
        );
        console.log(
          `enqueued ${task.repository}#${task.issue_number} as message ${sent.MessageId} on ${queueUrl}${message.truncated ? ' (body truncated to fit)' : ''}`,
        );
      } catch (error) {
        if (embedded) throw await embeddedSendError(error, queueUrl, settings.agent.workDir);
        throw error;
      }
    });
}
