// Worker settings: read once at start-up from the environment, validated, typed.
// Every field documents its default. docs/setup.md#appendix-worker-settings lists the same table for operators.
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { botListSchema } from '../../action/permission.ts';
import { DEFAULT_EGRESS_ALLOW, parseAllowEntry, splitAllowList } from '../sandbox/egress-allow.ts';

const seconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');
/**
 * Ollama's keep_alive: a Go duration string ("30m", "1h30m", "300s"), or a number of seconds; any negative
 * value keeps the model loaded for ever. A number is sent as a number: Ollama reads "300" (no unit) as an error.
 */
const keepAlive = z
  .string()
  .trim()
  .refine((value) => /^-?\d+$/.test(value) || /^-?(\d+(\.\d+)?(ms|s|m|h))+$/.test(value), {
    message:
      'must be a duration such as 30m, 1h or 300s, a number of seconds, or -1 to keep the model loaded',
  })
  .transform((value): string | number => (/^-?\d+$/.test(value) ? Number(value) : value));
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

export const SettingsSchema = z
  .object({
    /** CW_WORKER_ID: names this worker in logs and reports. Default: the host name. */
    workerId: z.string().min(1).default(hostname()),
    queue: z.object({
      /** CW_QUEUE_URL: the SQS task queue. Default: none, which starts the embedded local queue. */
      url: optionalText,
      /** AWS_REGION: default derived from the queue URL, else us-east-1. */
      region: optionalText,
      /** AWS_ENDPOINT_URL_SQS: the SDK's standard endpoint override (emulators). Default: AWS. */
      endpoint: optionalText,
      /** CW_CONCURRENCY: tasks run at once. Default 1 (docs/requirements.md#worker). */
      concurrency: positive(1),
      /** CW_WAIT_TIME_SECONDS: SQS long-poll wait, 0-20. Default 20 (docs/requirements.md#worker). */
      waitTimeSeconds: z.coerce.number().int().min(0).max(20).default(20),
      /** CW_VISIBILITY_TIMEOUT: seconds a received message stays hidden. Default 3600 (docs/requirements.md#queue). */
      visibilityTimeoutSeconds: z.coerce.number().int().min(1).max(43_200).default(3_600),
      /** CW_HEARTBEAT_INTERVAL: seconds between visibility extensions while a task runs. Default 300. */
      heartbeatIntervalSeconds: positive(300),
      /** CW_TASK_TIMEOUT: hard limit for one task in seconds. Default 3600 (docs/requirements.md#code-generation). */
      taskTimeoutSeconds: z.coerce.number().int().min(1).max(43_200).default(3_600),
      /** CW_RETRY_DELAYS: seconds before each retry of a transient failure. Default "0,60,300" (docs/requirements.md#retries). */
      retryDelaysSeconds: z
        .string()
        .default('0,60,300')
        .transform((value) => value.split(',').map((part) => Number(part.trim())))
        .pipe(z.array(z.number().int().min(0).max(43_200)).min(1)),
      /** CW_SHUTDOWN_GRACE: seconds a running task may finish after SIGTERM before it is released. Default 30. */
      shutdownGraceSeconds: seconds(30),
      /** CW_EMBEDDED_QUEUE_PORT: port of the embedded queue on 127.0.0.1. Default 9324. */
      embeddedPort: z.coerce.number().int().min(0).max(65_535).default(9_324),
    }),
    log: z.object({
      /** CW_LOG_LEVEL: debug, info, warn or error. Default info (docs/requirements.md#worker). */
      level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      /** CW_LOG_FILE: JSON-lines log file, rotated daily and kept 7 days. Default: stdout only. */
      file: optionalText,
      /** CW_LOG_RETENTION_DAYS: rotated files kept. Default 7 (docs/requirements.md#logging). */
      retentionDays: positive(7),
    }),
    health: z.object({
      /** CW_HEALTH_PORT: health and Prometheus metrics on 127.0.0.1; 0 turns it off. Default 9464. */
      port: z.coerce.number().int().min(0).max(65_535).default(9_464),
      /**
       * CW_CLOUDWATCH_NAMESPACE: publish task duration and outcome counts to CloudWatch under this namespace
       * (worker/daemon/cloudwatch-metrics.ts; the IAM permission comes with Terraform's worker_metrics_namespace).
       * Default: none, metrics off.
       */
      cloudwatchNamespace: optionalText,
    }),
    model: z.object({
      /** OLLAMA_HOST: the Ollama server. Default http://127.0.0.1:11434. */
      host: z.string().default('http://127.0.0.1:11434'),
      /** CW_MODEL: the Ollama model. Default qwen2.5-coder:1.5b (docs/requirements.md#code-generation). */
      name: z.string().min(1).default('qwen2.5-coder:1.5b'),
      /** CW_NUM_CTX: context window sent as options.num_ctx on every request. Default 32768. */
      contextTokens: z.coerce.number().int().min(2_048).default(32_768),
      /** CW_MODEL_TIMEOUT: seconds one model reply may take. Default 600. */
      requestTimeoutSeconds: positive(600),
      /**
       * CW_MODEL_KEEP_ALIVE: how long Ollama keeps the model loaded after a request, sent as keep_alive on
       * every call: a duration ("30m", "1h", "300s"), a number of seconds, or -1 for ever. Default "30m",
       * so a slow laptop's next call of the same task (after a long test run) finds the model and its
       * prompt cache still loaded; Ollama's own default is 5 minutes.
       */
      keepAlive: keepAlive.default('30m'),
    }),
    agent: z.object({
      /** CW_RUNNER: builtin (the text-protocol agent) or openhands (opt-in, needs the Docker socket). */
      runner: z.enum(['builtin', 'openhands']).default('builtin'),
      /**
       * CW_AGENT_STRATEGY: how the builtin runner works. pipeline (fixed stages, for small models), shell
       * (the free command loop, for large ones) or auto (by the model's parameter size,
       * worker/agent/strategy.ts). Default auto.
       */
      strategy: z.enum(['pipeline', 'shell', 'auto']).default('auto'),
      /** CW_CANDIDATES: attempts tried one after another when the repository has a test command, 1-10. Default 3. */
      candidates: z.coerce.number().int().min(1).max(10).default(3),
      /** CW_MAX_STEPS: model calls per task. Default 30. */
      maxSteps: positive(30),
      /** CW_MAX_TOKENS: prompt + completion tokens per task. Default 400000. */
      maxTokens: positive(400_000),
      /** CW_VERIFY_ROUNDS: times a failed verification goes back to the agent. Default 2. */
      verifyRounds: seconds(2),
      /** CW_WORK_DIR: per-task workspaces and trajectories. Default ~/.codingworker. */
      workDir: optionalText.transform((value) => value ?? join(homedir(), '.codingworker')),
      /** CW_MIN_FREE_MB: free space under CW_WORK_DIR below which no task starts and doctor fails. Default 1024. */
      minFreeMb: positive(1_024),
      /** CW_CACHE_MAX_MB: total size of the setup cache under <CW_WORK_DIR>/cache (worker/job/setup-cache.ts);
       * least recently used entries are evicted above it. Default 2048. */
      cacheMaxMb: positive(2_048),
      /** CW_AGENT_TIMEOUT: wall-clock seconds the agent may work on one task, verification rounds included.
       * Default 2700 (45 min), leaving room for checks, push and pull request within CW_TASK_TIMEOUT. */
      maxWallSeconds: positive(2_700),
      /** CW_OPENHANDS_IMAGE: the image with the OpenHands CLI, for CW_RUNNER=openhands. Default
       * codingworker-openhands:latest, which you build FROM the sandbox image (docs/openhands.md). */
      openhandsImage: z.string().min(1).default('codingworker-openhands:latest'),
      /** CW_OPENHANDS_DOCKER_SOCKET: Docker socket mounted into the OpenHands container — root on the host.
       * "none" mounts nothing. Default /var/run/docker.sock (OpenHands' documented Docker route). */
      openhandsDockerSocket: z.string().min(1).default('/var/run/docker.sock'),
      /** CW_OPENHANDS_NETWORK: Docker network of the OpenHands container; it must reach Ollama. Default bridge. */
      openhandsNetwork: z.string().min(1).default('bridge'),
      /** CW_OPENHANDS_LLM_BASE_URL: Ollama's OpenAI-compatible API as the container sees it. Default: OLLAMA_HOST
       * with 127.0.0.1/localhost replaced by host.docker.internal, plus /v1. */
      openhandsLlmBaseUrl: optionalText,
    }),
    sandbox: z.object({
      /** CW_SANDBOX_IMAGE: the sandbox image. Default codingworker-sandbox:latest. */
      image: z.string().min(1).default('codingworker-sandbox:latest'),
      /** CW_SANDBOX_MEMORY_MB: container memory limit. Default 2048 (fits a 16 GB laptop running Ollama). */
      memoryMb: positive(2_048),
      /** CW_SANDBOX_CPUS: container CPU limit. Default 2. */
      cpus: z.coerce.number().positive().default(2),
      /** CW_SANDBOX_PIDS: container process limit. Default 256. */
      pids: positive(256),
      /** CW_COMMAND_TIMEOUT: seconds one command may run. Default 300. */
      commandTimeoutSeconds: positive(300),
      /** CW_OUTPUT_LIMIT: bytes of a command's output kept. Default 65536. */
      outputLimitBytes: positive(65_536),
      /**
       * CW_EGRESS_ALLOW: where a repository's setup commands may connect through the egress proxy, comma or
       * whitespace separated: host (ports 443 and 80), host:port, *.domain, an IP literal; "none" for
       * nothing. A repository may narrow it, never widen it. Default: the public package registries
       * (worker/sandbox/egress-allow.ts DEFAULT_EGRESS_ALLOW; docs/sandbox.md#network-for-setup-only).
       */
      egressAllow: z
        .string()
        .default(DEFAULT_EGRESS_ALLOW.join(','))
        .transform(splitAllowList)
        .superRefine((entries, context) => {
          for (const entry of entries) {
            try {
              parseAllowEntry(entry);
            } catch (error) {
              context.addIssue({ code: 'custom', message: (error as Error).message });
            }
          }
        }),
    }),
    github: z.object({
      /** GITHUB_API_URL: the REST API root (GitHub Enterprise, test servers). Default https://api.github.com. */
      apiUrl: z.string().default('https://api.github.com'),
      /** GITHUB_TOKEN or GH_TOKEN: a personal access token (commit statuses). */
      token: optionalText,
      /** CW_GITHUB_APP_ID, CW_GITHUB_APP_PRIVATE_KEY (or _FILE), CW_GITHUB_INSTALLATION_ID: a GitHub App. */
      appId: optionalText,
      appPrivateKey: optionalText,
      installationId: optionalText,
      /** CW_TRIGGER_LABEL: the label that marks a task. Default auto-code. */
      triggerLabel: z.string().min(1).default('auto-code'),
      /** CW_MIN_PERMISSION: least permission the labeller must hold. Default write. */
      minPermission: z.enum(['read', 'triage', 'write', 'maintain', 'admin']).default('write'),
      /** CW_ALLOWED_BOTS: bot logins (comma separated, e.g. renovate[bot]) that may trigger tasks though
       * they hold no role, as the action's allowed-bots input. Default: none (every bot is skipped). */
      allowedBots: botListSchema('must list bot logins, e.g. renovate[bot]').default([]),
      /** CW_PR_LANGUAGE: ja (default, docs/requirements.md#pull-requests) or en. */
      prLanguage: z.enum(['ja', 'en']).default('ja'),
      /** CW_PR_DRAFT: open pull requests as drafts. Default false. */
      draft: flag(false),
      /** CW_ALLOW_WORKFLOW_CHANGES: allow changes under .github/workflows/. Default false. */
      allowWorkflowChanges: flag(false),
      /** CW_ALLOW_MASS_DELETION: let a change delete more than half of the repository's files. Default false. */
      allowMassDeletion: flag(false),
      /** CW_MAX_REVISIONS: revisions (review feedback or check fixes) one pull request may get. Default 5. */
      maxRevisions: seconds(5),
      /** CW_MAX_CHECK_FIXES: of those, fixes of its own failing checks. Default 2. */
      maxCheckFixes: seconds(2),
      /** CW_GIT_AUTHOR_NAME / CW_GIT_AUTHOR_EMAIL: commit author and committer. */
      authorName: z.string().default('CodingWorker'),
      authorEmail: z.string().default('codingworker@users.noreply.github.com'),
    }),
  })
  .superRefine((settings, context) => {
    const { queue } = settings;
    if (queue.heartbeatIntervalSeconds >= queue.visibilityTimeoutSeconds) {
      context.addIssue({
        code: 'custom',
        path: ['queue', 'heartbeatIntervalSeconds'],
        message: `heartbeat ${queue.heartbeatIntervalSeconds} s must be below the visibility timeout ${queue.visibilityTimeoutSeconds} s: lower CW_HEARTBEAT_INTERVAL or raise CW_VISIBILITY_TIMEOUT`,
      });
    }
    if (settings.github.appId && !(settings.github.appPrivateKey && settings.github.installationId)) {
      context.addIssue({
        code: 'custom',
        path: ['github', 'appId'],
        message:
          'CW_GITHUB_APP_ID is set but CW_GITHUB_APP_PRIVATE_KEY(_FILE) or CW_GITHUB_INSTALLATION_ID is missing: set all three, or unset the App id to use GITHUB_TOKEN',
      });
    }
  });

export type Settings = z.infer<typeof SettingsSchema>;

export class SettingsError extends Error {
  override name = 'SettingsError';
}

const ENV_NAMES: Record<string, string> = {
  workerId: 'CW_WORKER_ID',
  'queue.url': 'CW_QUEUE_URL',
  'queue.region': 'AWS_REGION',
  'queue.endpoint': 'AWS_ENDPOINT_URL_SQS',
  'queue.concurrency': 'CW_CONCURRENCY',
  'queue.waitTimeSeconds': 'CW_WAIT_TIME_SECONDS',
  'queue.visibilityTimeoutSeconds': 'CW_VISIBILITY_TIMEOUT',
  'queue.heartbeatIntervalSeconds': 'CW_HEARTBEAT_INTERVAL',
  'queue.taskTimeoutSeconds': 'CW_TASK_TIMEOUT',
  'queue.retryDelaysSeconds': 'CW_RETRY_DELAYS',
  'queue.shutdownGraceSeconds': 'CW_SHUTDOWN_GRACE',
  'queue.embeddedPort': 'CW_EMBEDDED_QUEUE_PORT',
  'log.level': 'CW_LOG_LEVEL',
  'log.file': 'CW_LOG_FILE',
  'log.retentionDays': 'CW_LOG_RETENTION_DAYS',
  'health.port': 'CW_HEALTH_PORT',
  'health.cloudwatchNamespace': 'CW_CLOUDWATCH_NAMESPACE',
  'model.host': 'OLLAMA_HOST',
  'model.name': 'CW_MODEL',
  'model.contextTokens': 'CW_NUM_CTX',
  'model.requestTimeoutSeconds': 'CW_MODEL_TIMEOUT',
  'model.keepAlive': 'CW_MODEL_KEEP_ALIVE',
  'agent.runner': 'CW_RUNNER',
  'agent.strategy': 'CW_AGENT_STRATEGY',
  'agent.candidates': 'CW_CANDIDATES',
  'agent.maxSteps': 'CW_MAX_STEPS',
  'agent.maxTokens': 'CW_MAX_TOKENS',
  'agent.verifyRounds': 'CW_VERIFY_ROUNDS',
  'agent.workDir': 'CW_WORK_DIR',
  'agent.minFreeMb': 'CW_MIN_FREE_MB',
  'agent.cacheMaxMb': 'CW_CACHE_MAX_MB',
  'agent.openhandsImage': 'CW_OPENHANDS_IMAGE',
  'agent.openhandsDockerSocket': 'CW_OPENHANDS_DOCKER_SOCKET',
  'agent.openhandsNetwork': 'CW_OPENHANDS_NETWORK',
  'agent.openhandsLlmBaseUrl': 'CW_OPENHANDS_LLM_BASE_URL',
  'agent.maxWallSeconds': 'CW_AGENT_TIMEOUT',
  'sandbox.image': 'CW_SANDBOX_IMAGE',
  'sandbox.memoryMb': 'CW_SANDBOX_MEMORY_MB',
  'sandbox.cpus': 'CW_SANDBOX_CPUS',
  'sandbox.pids': 'CW_SANDBOX_PIDS',
  'sandbox.commandTimeoutSeconds': 'CW_COMMAND_TIMEOUT',
  'sandbox.outputLimitBytes': 'CW_OUTPUT_LIMIT',
  'sandbox.egressAllow': 'CW_EGRESS_ALLOW',
  'github.apiUrl': 'GITHUB_API_URL',
  'github.token': 'GITHUB_TOKEN',
  'github.appId': 'CW_GITHUB_APP_ID',
  'github.appPrivateKey': 'CW_GITHUB_APP_PRIVATE_KEY',
  'github.installationId': 'CW_GITHUB_INSTALLATION_ID',
  'github.triggerLabel': 'CW_TRIGGER_LABEL',
  'github.minPermission': 'CW_MIN_PERMISSION',
  'github.allowedBots': 'CW_ALLOWED_BOTS',
  'github.prLanguage': 'CW_PR_LANGUAGE',
  'github.draft': 'CW_PR_DRAFT',
  'github.allowWorkflowChanges': 'CW_ALLOW_WORKFLOW_CHANGES',
  'github.allowMassDeletion': 'CW_ALLOW_MASS_DELETION',
  'github.maxRevisions': 'CW_MAX_REVISIONS',
  'github.maxCheckFixes': 'CW_MAX_CHECK_FIXES',
  'github.authorName': 'CW_GIT_AUTHOR_NAME',
  'github.authorEmail': 'CW_GIT_AUTHOR_EMAIL',
};

/** The environment variable behind a settings path, for error messages and docs. */
export function envNameOf(path: string): string {
  return ENV_NAMES[path] ?? path;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const tree: Record<string, Record<string, unknown>> = {};
  for (const section of ['queue', 'log', 'health', 'model', 'agent', 'sandbox', 'github']) tree[section] = {};
  const root: Record<string, unknown> = tree;
  const withFallbacks: NodeJS.ProcessEnv = {
    ...env,
    GITHUB_TOKEN: env.GITHUB_TOKEN || env.GH_TOKEN,
    AWS_REGION: env.AWS_REGION || env.AWS_DEFAULT_REGION,
  };
  for (const [path, name] of Object.entries(ENV_NAMES)) {
    const value = withFallbacks[name];
    if (value === undefined || value === '') continue;
    const [section, key] = path.split('.');
    if (key === undefined) root[section!] = value;
    else tree[section!]![key] = value;
  }
  return root;
}

/** Reads and validates every setting. Throws SettingsError listing each problem and what to change. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = fromEnvironment(env);
  const keyFile = env.CW_GITHUB_APP_PRIVATE_KEY_FILE;
  if (keyFile && !env.CW_GITHUB_APP_PRIVATE_KEY) {
    try {
      (raw.github as Record<string, unknown>).appPrivateKey = readFileSync(keyFile, 'utf8');
    } catch (error) {
      throw new SettingsError(
        `invalid settings:\n- CW_GITHUB_APP_PRIVATE_KEY_FILE: cannot read ${keyFile} (${(error as Error).message})`,
      );
    }
  }
  const result = SettingsSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      // List items (e.g. CW_RETRY_DELAYS's second delay) report under their variable's name.
      const path = issue.path.filter((part) => typeof part === 'string').join('.');
      return `- ${envNameOf(path)}: ${issue.message}`;
    });
    throw new SettingsError(`invalid settings:\n${lines.join('\n')}`);
  }
  return result.data;
}
