// The GitHub REST calls the action makes, behind one small interface so tests can fake it and the
// bundle can run against a local server (GITHUB_API_URL).
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import type { PullFacts } from './revision-event.ts';

export interface RepositoryRole {
  /** 'read' | 'triage' | 'write' | 'maintain' | 'admin' or an organisation's custom role name. */
  roleName: string;
  /** Legacy permission: 'admin' | 'write' | 'read' | 'none'. */
  permission: string;
  permissions?: { admin: boolean; maintain?: boolean; push: boolean; triage?: boolean; pull: boolean };
}

export interface IssueComment {
  id: number;
  body: string;
  /** 'User' or 'Bot'. */
  authorType: string;
  /** GitHub's author_association: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ... */
  authorAssociation: string;
}

export interface GitHubApi {
  /** The pull request; null when there is none with this number. */
  pullRequest(pullNumber: number): Promise<PullFacts | null>;
  /** The open pull request from this branch of the repository itself (not a fork), or null. */
  openPullFrom(branch: string): Promise<PullFacts | null>;
  /** The user's role on the repository; null when GitHub answers 404 (not a collaborator). */
  repositoryRole(login: string): Promise<RepositoryRole | null>;
  /** Every comment on the issue, oldest first (all pages). */
  listComments(issueNumber: number): Promise<IssueComment[]>;
  createComment(issueNumber: number, body: string): Promise<number>;
  updateComment(commentId: number, body: string): Promise<number>;
}

export function createGitHubApi(options: {
  token: string;
  repository: string;
  /** Default: GITHUB_API_URL, else https://api.github.com (as @actions/github resolves it). */
  baseUrl?: string;
}): GitHubApi {
  const [owner = '', repo = ''] = options.repository.split('/');
  // plugin-retry retries 5xx and network failures (3 times, 1 s, 4 s, 9 s apart), never 4xx.
  const octokit = getOctokit(options.token, options.baseUrl ? { baseUrl: options.baseUrl } : {}, retry);
  const factsOf = (pull: {
    number: number;
    title: string;
    html_url: string;
    state: string;
    head: { ref: string; sha: string; repo: { full_name: string } | null };
  }): PullFacts => ({
    number: pull.number,
    title: pull.title,
    html_url: pull.html_url,
    state: pull.state,
    head: {
      ref: pull.head.ref,
      sha: pull.head.sha,
      repo: pull.head.repo && { full_name: pull.head.repo.full_name },
    },
  });
  return {
    async pullRequest(pullNumber) {
      try {
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
        return factsOf(data);
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        throw new Error(
          `could not read pull request #${pullNumber} (${(error as Error).message}): ` +
            'give the job `permissions: pull-requests: read`',
          { cause: error },
        );
      }
    },
    async openPullFrom(branch) {
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        state: 'open',
        head: `${owner}:${branch}`,
      });
      const pull = data.find(
        (entry) => entry.head.repo?.full_name.toLowerCase() === options.repository.toLowerCase(),
      );
      return pull ? factsOf(pull) : null;
    },
    async repositoryRole(username) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
        return { roleName: data.role_name, permission: data.permission, permissions: data.user?.permissions };
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 404) return null;
        throw new Error(
          `could not read ${username}'s role on ${options.repository} (HTTP ${status ?? 'error'}: ` +
            `${(error as Error).message}): check github-token (the default \`github.token\` works)`,
          { cause: error },
        );
      }
    },
    async listComments(issueNumber) {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100,
      });
      return comments.map((comment) => ({
        id: comment.id,
        body: comment.body ?? '',
        authorType: comment.user?.type ?? '',
        authorAssociation: comment.author_association,
      }));
    },
    async createComment(issueNumber, body) {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body,
      });
      return data.id;
    },
    async updateComment(commentId, body) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
      return data.id;
    },
  };
}
