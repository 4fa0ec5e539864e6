// The worker's GitHub API client: Octokit with the retry plugin (5xx, 3 retries: docs/requirements.md#retries) and the throttling
// plugin (403/429 rate limits, Retry-After, secondary limits) — no hand-written retry or rate-limit code.
// Two ways to authenticate:
// - a personal access token (GITHUB_TOKEN / GH_TOKEN): progress on commits as commit statuses;
// - a GitHub App (CW_GITHUB_APP_ID + private key + installation id): one-hour installation tokens scoped
//   to the task's repository, and check runs (only Apps may write them).
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { Logger } from 'pino';
import { errorMessage, TransientError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import type { Check, CheckResult } from '../daemon/doctor-check.ts';

export type GitHubSettings = Settings['github'];
export type GitHubOctokit = InstanceType<typeof RestClient>;

/** app: a GitHub App installation (check runs); token: a personal access token (commit statuses). */
export type GitHubAuthMode = 'app' | 'token';

export interface GitHubClient {
  mode: GitHubAuthMode;
  /** An API client for one repository ("owner/name"); with an App, its tokens are scoped to that repository. */
  rest(repository: string): GitHubOctokit;
  /**
   * A token for git over HTTPS. With an App it is scoped to the repository when one is given.
   * Never log it, never put it in a URL or argv.
   */
  gitToken(repository?: string): Promise<string>;
  /** For `codingworker doctor`: credentials valid, permissions sufficient, API reachable — with fixes. */
  check(): Promise<CheckResult>;
}

export interface GitHubClientOptions {
  /**
   * Multiplies every wait of the retry and throttling plugins (Retry-After, backoff, the 1 s and 3 s
   * spacing GitHub asks for between writes and notifying writes). Default 1; tests scale it down.
   */
  timeScale?: number;
}

/** Seed: GitHub calls are retried 3 times. */
export const GITHUB_RETRIES = 3;
/** GitHub asks integrations to leave at least one second between content-creating requests. */
const WRITE_SPACING_MS = 1_000;
/** Requests that notify people (comments, pull requests) are spaced further, as plugin-throttling does. */
const NOTIFICATION_SPACING_MS = 3_000;
const USER_AGENT = 'codingworker/0.1.0';

const RestClient = Octokit.plugin(retry, throttling);

export function createGitHubClient(
  settings: GitHubSettings,
  logger: Logger,
  options: GitHubClientOptions = {},
): GitHubClient {
  const scale = options.timeScale ?? 1;
  const log = {
    debug: (message: string) => logger.debug({ source: 'octokit' }, message),
    info: (message: string) => logger.debug({ source: 'octokit' }, message),
    warn: (message: string) => logger.warn({ source: 'octokit', detail: message }, 'GitHub API warning'),
    error: (message: string) => logger.warn({ source: 'octokit', detail: message }, 'GitHub API error'),
  };
  const onLimit =
    (kind: 'rate limit' | 'secondary rate limit') =>
    (
      retryAfter: number,
      request: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const again = retryCount < GITHUB_RETRIES;
      logger.warn(
        { method: request.method, url: request.url, retry_after_s: retryAfter, retry: retryCount + 1, again },
        again ? `GitHub ${kind} hit: waiting before retrying` : `GitHub ${kind} hit: giving up`,
      );
      return again;
    };
  // One queue per kind for the whole client, with the spacing GitHub asks for (as the plugin's defaults),
  // scaled so that tests do not wait seconds.
  const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: WRITE_SPACING_MS * scale });
  const notifications = new Bottleneck.Group({ maxConcurrent: 1, minTime: NOTIFICATION_SPACING_MS * scale });
  const build = (auth: Record<string, unknown>) =>
    new RestClient({
      baseUrl: settings.apiUrl.replace(/\/+$/, ''),
      userAgent: USER_AGENT,
      log,
      retry: { retries: GITHUB_RETRIES, retryAfterBaseValue: 1_000 * scale },
      throttle: {
        retryAfterBaseValue: 1_000 * scale,
        write,
        notifications,
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
      },
      ...auth,
    });

  if (settings.appId && settings.appPrivateKey && settings.installationId) {
    return appClient(settings, build);
  }
  if (settings.token) return tokenClient(settings, settings.token, build);
  return unconfiguredClient(settings);
}

/** The `codingworker doctor` line for GitHub: credentials, permissions, reachability. */
export function gitHubCheck(settings: GitHubSettings, logger: Logger): Check {
  return () => createGitHubClient(settings, logger).check();
}

type Build = (auth: Record<string, unknown>) => GitHubOctokit;

function tokenClient(settings: GitHubSettings, token: string, build: Build): GitHubClient {
  const octokit = build({ auth: token });
  return {
    mode: 'token',
    rest: () => octokit,
    gitToken: async () => token,
    async check() {
      const name = 'GitHub (personal access token)';
      try {
        const response = await octokit.rest.users.getAuthenticated();
        const scopes = response.headers['x-oauth-scopes'];
        if (scopes === undefined) {
          return {
            name,
            ok: true,
            detail: `authenticated as ${response.data.login} with a fine-grained token at ${settings.apiUrl}`,
            fix: 'make sure the token grants Contents, Issues, Pull requests and Commit statuses: read and write on the repositories',
          };
        }
        const granted = String(scopes)
          .split(',')
          .map((scope) => scope.trim())
          .filter(Boolean);
        if (!granted.includes('repo') && !granted.includes('public_repo')) {
          return {
            name,
            ok: false,
            detail: `authenticated as ${response.data.login}, but the token's scopes are "${granted.join(', ') || 'none'}"`,
            fix: 'create a classic token with the "repo" scope (or "public_repo" for public repositories only) and set GITHUB_TOKEN',
          };
        }
        return {
          name,
          ok: true,
          detail: `authenticated as ${response.data.login} (scopes: ${granted.join(', ')}) at ${settings.apiUrl}; progress is shown as commit statuses`,
        };
      } catch (error) {
        return failedCheck(name, settings, error, 'create a new token and set GITHUB_TOKEN (or GH_TOKEN)');
      }
    },
  };
}

function appClient(settings: GitHubSettings, build: Build): GitHubClient {
  // The App's own requests (JWT, installation tokens) go through the same plugins and base URL.
  const plain = build({});
  const appAuth = createAppAuth({
    appId: settings.appId!,
    privateKey: settings.appPrivateKey!.replace(/\\n/g, '\n'),
    installationId: settings.installationId!,
    request: plain.request,
  });
  // auth-app caches installation tokens per repository set and renews them before their hour is up.
  const installationToken = async (repository?: string) => {
    const names = repository ? [repository.split('/')[1]!] : undefined;
    const { token } = await appAuth({ type: 'installation', ...(names ? { repositoryNames: names } : {}) });
    return token;
  };
  const clients = new Map<string, GitHubOctokit>();
  return {
    mode: 'app',
    rest(repository) {
      const key = repository.toLowerCase();
      let octokit = clients.get(key);
      if (!octokit) {
        const hook = async (
          request: GitHubOctokit['request'],
          route: string | object,
          parameters?: Record<string, unknown>,
        ) => {
          const endpoint = request.endpoint.merge(route as never, parameters as never) as {
            headers: Record<string, string>;
          };
          endpoint.headers.authorization = `token ${await installationToken(repository)}`;
          return request(endpoint as never);
        };
        const strategy = Object.assign(async () => ({ type: 'token', tokenType: 'installation' }), { hook });
        octokit = build({ authStrategy: () => strategy });
        clients.set(key, octokit);
      }
      return octokit;
    },
    gitToken: installationToken,
    async check() {
      const name = 'GitHub (App installation)';
      try {
        const { token: jwt } = await appAuth({ type: 'app' });
        const app = await plain.request('GET /app', { headers: { authorization: `bearer ${jwt}` } });
        const installation = await appAuth({ type: 'installation' });
        const permissions = (installation as { permissions?: Record<string, string> }).permissions ?? {};
        const needed = ['contents', 'issues', 'pull_requests', 'checks'];
        const missing = needed.filter((permission) => permissions[permission] !== 'write');
        const repositories = await plain.request('GET /installation/repositories', {
          headers: { authorization: `token ${installation.token}` },
          per_page: 1,
        });
        if (missing.length > 0) {
          return {
            name,
            ok: false,
            detail: `App ${app.data?.slug ?? settings.appId} installation ${settings.installationId} lacks write access to: ${missing.join(', ')}`,
            fix: 'in the App settings grant Contents, Issues, Pull requests and Checks: read and write, then accept the new permissions on the installation',
          };
        }
        return {
          name,
          ok: true,
          detail: `App ${app.data?.slug ?? settings.appId}, installation ${settings.installationId} reaches ${repositories.data.total_count} repositories at ${settings.apiUrl}; progress is shown as check runs`,
        };
      } catch (error) {
        return failedCheck(
          name,
          settings,
          error,
          'check CW_GITHUB_APP_ID, CW_GITHUB_APP_PRIVATE_KEY(_FILE) and CW_GITHUB_INSTALLATION_ID against the App settings page',
        );
      }
    },
  };
}

function unconfiguredClient(settings: GitHubSettings): GitHubClient {
  // The worker's configuration, not the task, is at fault: retried (like Ollama being down), so a task
  // that arrived before the token was set is done once it is, not dead-lettered at once.
  const missing = () =>
    new TransientError('no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN), or the GitHub App settings');
  return {
    mode: 'token',
    rest: () => {
      throw missing();
    },
    gitToken: async () => {
      throw missing();
    },
    check: async () => ({
      name: 'GitHub',
      ok: false,
      detail: `no credentials for ${settings.apiUrl}`,
      fix: 'set GITHUB_TOKEN (a token with the "repo" scope) or CW_GITHUB_APP_ID, CW_GITHUB_APP_PRIVATE_KEY_FILE and CW_GITHUB_INSTALLATION_ID',
    }),
  };
}

function failedCheck(
  name: string,
  settings: GitHubSettings,
  error: unknown,
  credentialFix: string,
): CheckResult {
  const status = (error as { status?: number }).status;
  if (status === 401) {
    return {
      name,
      ok: false,
      detail: `GitHub refused the credentials (401) at ${settings.apiUrl}`,
      fix: credentialFix,
    };
  }
  if (status === 403 || status === 404) {
    return {
      name,
      ok: false,
      detail: `GitHub answered ${status}: ${errorMessage(error)}`,
      fix: `${credentialFix}; check the permissions listed in docs/github.md`,
    };
  }
  return {
    name,
    ok: false,
    detail: `cannot reach the GitHub API at ${settings.apiUrl}: ${errorMessage(error)}`,
    fix: 'check the network and GITHUB_API_URL (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server)',
  };
}
