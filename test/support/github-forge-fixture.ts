// A GitHub forge wired to the GitHub test server: a repository with a labelled issue, its queued progress
// comment (as the action leaves it), and a worker-side forge with captured logs and scaled-down waits.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import type { TaskMessage } from '../../action/task-message.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import type { Forge } from '../../worker/forge/forge.ts';
import { createGitHubClient, type GitHubClient } from '../../worker/forge/github-client.ts';
import { createGitHubForge } from '../../worker/forge/github-forge.ts';
import type { LeaseTiming } from '../../worker/forge/github-revision-lease.ts';
import { commitMessage } from '../../worker/job/commit-message.ts';
import { createGit, type TaskRepo } from '../../worker/job/git.ts';
import { type GitHubServer, startGitHubServer } from './github-server.ts';
import { taskMessage } from './task-messages.ts';

export const OWNER = 'octo';
export const REPO = 'demo';
export const FULL_NAME = `${OWNER}/${REPO}`;
export const MAINTAINER = 'maint';

/** A token shaped like a real classic PAT, unique per run, so a leak is unmistakable. */
export function canaryToken(): string {
  return `ghp_${randomBytes(18).toString('hex')}`;
}

export interface ForgeFixture {
  server: GitHubServer;
  token: string;
  forge: Forge;
  client: GitHubClient;
  logLines: string[];
  /** Another worker's forge on the same server (a second daemon), logging into logLines too. */
  forgeOf(workerId: string, leaseTiming?: LeaseTiming): Forge;
  task(overrides?: Partial<TaskMessage>): TaskMessage;
  /** Clones, commits one change like the pipeline does, and returns the workspace and commit. */
  makeChange(task: TaskMessage, file?: string): Promise<{ repo: TaskRepo; commitSha: string }>;
  close(): Promise<void>;
}

export async function startForgeFixture(
  options: { app?: boolean; env?: Record<string, string>; workingIntervalMs?: number } = {},
): Promise<ForgeFixture> {
  const server = await startGitHubServer();
  const token = canaryToken();
  server.addToken(token, MAINTAINER);
  await server.addRepository({
    owner: OWNER,
    name: REPO,
    files: { 'README.md': '# demo\n', 'src/app.py': 'x = 1\n' },
  });
  await server.addRepository({ owner: OWNER, name: 'other' });
  server.setRole(FULL_NAME, MAINTAINER, 'admin');
  server.setRole(FULL_NAME, 'labeller', 'write');
  server.addUser('github-actions[bot]', 'Bot');
  const issue = server.addIssue(FULL_NAME, {
    title: 'Add a greeting',
    body: 'Please add hello()',
    labels: ['auto-code'],
  });
  server.repository(FULL_NAME).comments.push({
    id: 1,
    issueNumber: issue.number,
    body: `${PROGRESS_MARKER}\n**CodingWorker** · ⏳ queued`,
    user: 'github-actions[bot]',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  });

  const env: Record<string, string> = {
    GITHUB_API_URL: server.url,
    CW_WORKER_ID: 'test-worker',
    ...options.env,
  };
  if (options.app) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    server.addApp({ appId: 4242, privateKey: pem, installationId: 77, account: OWNER });
    Object.assign(env, {
      CW_GITHUB_APP_ID: '4242',
      CW_GITHUB_APP_PRIVATE_KEY: pem,
      CW_GITHUB_INSTALLATION_ID: '77',
    });
  } else {
    env.GITHUB_TOKEN = token;
  }
  const settings = loadSettings(env);
  const logLines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const client = createGitHubClient(settings.github, logger, { timeScale: 0.001 });
  const forgeOf = (workerId: string, leaseTiming?: LeaseTiming) =>
    createGitHubForge({
      settings: settings.github,
      client,
      logger: logger.child({ worker: workerId }),
      workerId,
      ...(options.workingIntervalMs === undefined ? {} : { workingIntervalMs: options.workingIntervalMs }),
      ...(leaseTiming ? { leaseTiming } : {}),
    });
  const forge = forgeOf(settings.workerId);
  const workspaces: string[] = [];

  return {
    server,
    token,
    forge,
    client,
    logLines,
    forgeOf,
    task: (overrides = {}) =>
      taskMessage({
        issue_number: issue.number,
        repository: FULL_NAME,
        body: 'Please add hello()',
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
        html_url: `${server.url}/${FULL_NAME}/issues/${issue.number}`,
        sender: 'labeller',
        enqueued_at: '2026-01-01T00:00:00Z',
        ...overrides,
      }),
    async makeChange(task, file = 'src/hello.py') {
      const root = await mkdtemp(join(tmpdir(), 'cw-forge-'));
      workspaces.push(root);
      const workspace = join(root, 'work');
      const preparation = await forge.prepare(task);
      if (preparation.action !== 'run') throw new Error(`prepare said ${preparation.action}`);
      const git = createGit({
        author: { name: settings.github.authorName, email: settings.github.authorEmail },
        config: await forge.gitConfig(task),
      });
      const repo = await git.clone(preparation.repository.cloneUrl, workspace, {
        branch: preparation.repository.defaultBranch,
      });
      await repo.createBranch(preparation.repository.branch);
      const { writeFile, mkdir } = await import('node:fs/promises');
      await mkdir(join(workspace, 'src'), { recursive: true });
      await writeFile(
        join(workspace, file),
        `def hello():\n    return ${JSON.stringify(randomBytes(4).toString('hex'))}\n`,
      );
      const commitSha = await repo.commit(
        commitMessage({
          title: task.title,
          issueNumber: task.issue_number,
          model: 'qwen2.5-coder:1.5b',
          summary: ['add hello()'],
          changedFiles: [file],
        }),
      );
      return { repo, commitSha };
    },
    async close() {
      for (const root of workspaces) await rm(root, { recursive: true, force: true });
      await server.close();
    },
  };
}
