// The setup phase: the repository's own `setup:` commands (.codingworker.yml, read from the default branch
// before anything runs) install its dependencies once per task, after the clone and before the agent, so
// that its test command can pass. The container keeps NetworkMode none: the only way out is the egress
// proxy the worker runs for this phase, over a Unix socket mounted into the container (docs/sandbox.md).
// What setup produced is cached by repository, commands, image and lock files; a hit skips setup.
// A failing setup is the repository's configuration, not bad luck: a permanent failure saying what to fix.
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { errorMessage, PermanentError, TransientError } from '../core/errors.ts';
import { formatSize, requireFreeSpace, type Statfs } from '../core/free-space.ts';
import { redactText } from '../core/redact.ts';
import type { Settings } from '../core/settings.ts';
import { narrowAllowList } from '../sandbox/egress-allow.ts';
import { EGRESS_SOCKET_NAME, withEgressEnvironment } from '../sandbox/egress-env.ts';
import { type EgressProxy, startEgressProxy } from '../sandbox/egress-proxy.ts';
import type { ExecResult, Sandbox, SandboxProvider } from '../sandbox/sandbox.ts';
import { metadataDirOf } from './git.ts';
import { gitEnvironment, hardeningConfig, runGit } from './git-process.ts';
import type { RepoConfig } from './repo-config.ts';
import { cacheKey, type SetupCache } from './setup-cache.ts';

/** Default for setup_timeout: all setup commands together. */
const DEFAULT_SETUP_SECONDS = 900;
/** How often free space is checked while setup runs. */
const DISK_CHECK_MS = 1_000;
/** Lines of a failing command's output quoted in the failure. */
const TAIL_LINES = 15;

export interface SetupDeps {
  settings: Settings;
  sandboxProvider: SandboxProvider;
  cache: SetupCache;
  logger: Logger;
  /** The sandbox image's identity for the cache key (its id, or tag and recipe). */
  image: string;
  /** How free space is measured (tests pass a double for a full disk). Default: fs.statfs. */
  statfs?: Statfs;
}

export interface SetupInput {
  repository: string;
  taskId: string;
  workspace: string;
  config: RepoConfig;
  signal: AbortSignal;
  /** One progress line for the issue ("installing dependencies: npm ci"). */
  report(message: string): Promise<void>;
}

export type SetupOutcome =
  | { ran: false }
  | { ran: true; cached: true; ms: number; key: string; transcript: string }
  | {
      ran: true;
      cached: false;
      ms: number;
      key: string;
      commands: number;
      requests: number;
      refused: number;
      /** Each command with its exit code and the last lines of its output, redacted: for the trajectory. */
      transcript: string;
    };

export async function runSetup(deps: SetupDeps, input: SetupInput): Promise<SetupOutcome> {
  const commands = input.config.setup;
  if (!commands || commands.length === 0) return { ran: false };
  const started = performance.now();
  const { key } = await cacheKey({
    repository: input.repository,
    commands,
    image: deps.image,
    workspace: input.workspace,
    keyFiles: input.config.cache_key,
  });
  const restored = await deps.cache.restore(input.repository, key, input.workspace);
  if (restored.hit) {
    deps.logger.info({ key, bytes: restored.bytes, ms: restored.ms }, 'Setup restored from the cache');
    await input.report(`setup restored from the cache (${formatSize(restored.bytes)})`);
    await hideFromGit(input.workspace);
    return {
      ran: true,
      cached: true,
      ms: Math.round(performance.now() - started),
      key,
      transcript: `restored from the cache (${key.slice(0, 12)})`,
    };
  }
  deps.logger.info({ key, reason: restored.reason }, 'Setup cache miss: running setup');
  const traffic = await runCommands(deps, input, commands);
  await hideFromGit(input.workspace);
  const saved = await deps.cache.save(input.repository, key, input.workspace);
  deps.logger.info({ key, saved: saved.saved, bytes: saved.bytes, reason: saved.reason }, 'Setup finished');
  return {
    ran: true,
    cached: false,
    ms: Math.round(performance.now() - started),
    key,
    commands: commands.length,
    ...traffic,
  };
}

/**
 * What setup made (node_modules/, .venv/ …) is not the agent's change: every untracked file it left is
 * added to the exclude file of the worker's own git directory (a copy made at the clone, outside the
 * workspace, which setup never saw), so it is never committed nor counted as changed; a tracked file setup
 * modified is put back. Host git runs with the hardening config: nothing setup wrote into the workspace's
 * .git (a config with core.fsmonitor, hooks) is read.
 */
async function hideFromGit(workspace: string): Promise<void> {
  const gitDir = metadataDirOf(workspace);
  const env = {
    ...gitEnvironment([...hardeningConfig(false), ['safe.directory', workspace]]),
    GIT_DIR: gitDir,
    GIT_WORK_TREE: workspace,
  };
  const untracked = await runGit(['ls-files', '--others', '--exclude-standard', '--directory', '-z'], {
    cwd: workspace,
    env,
  });
  // A name with a line break would write a second exclude line: such a file stays visible instead.
  const paths = untracked.split('\0').filter((path) => path !== '' && !path.includes('\n'));
  if (paths.length > 0) {
    const lines = paths.map((path) => `/${path.replace(/([*?[\\!#])/g, '\\$1')}`).join('\n');
    await mkdir(join(gitDir, 'info'), { recursive: true });
    await appendFile(join(gitDir, 'info', 'exclude'), `\n# made by setup\n${lines}\n`);
  }
  await runGit(['checkout', '--', '.'], { cwd: workspace, env });
}

/** Runs the commands in one container with the proxy; throws PermanentError on the first that fails. */
async function runCommands(
  deps: SetupDeps,
  input: SetupInput,
  commands: string[],
): Promise<{ requests: number; refused: number; transcript: string }> {
  const { settings, logger } = deps;
  const allowed = narrowAllowList(settings.sandbox.egressAllow, input.config.egress);
  if (allowed.ignored.length > 0) {
    logger.warn({ ignored: allowed.ignored }, 'Setup egress entries not in CW_EGRESS_ALLOW were ignored');
  }
  const socketDir = await mkdtemp(join(settings.agent.workDir, 'egress-'));
  let proxy: EgressProxy | undefined;
  let sandbox: Sandbox | undefined;
  try {
    proxy = await startEgressProxy({
      socketPath: join(socketDir, EGRESS_SOCKET_NAME),
      allow: allowed.allow,
      // A repository's narrowing never grants what only the operator's exact entries may (local addresses).
      operatorAllow: settings.sandbox.egressAllow,
      logger,
    });
    sandbox = await deps.sandboxProvider.start({
      taskId: input.taskId,
      workspace: input.workspace,
      egress: { socketDir },
    });
    const transcript = await runEach(sandbox, proxy, deps, input, commands);
    const refused = proxy.records.filter((record) => !record.allowed).length;
    return { requests: proxy.records.length, refused, transcript };
  } finally {
    await sandbox
      ?.destroy()
      .catch((error: unknown) => logger.warn({ err: error }, 'Could not destroy the setup sandbox'));
    await proxy?.close().catch(() => undefined);
    await rm(socketDir, { recursive: true, force: true });
  }
}

/** The commands in order, inside setup_timeout, stopped when the disk under CW_WORK_DIR runs full. */
async function runEach(
  sandbox: Sandbox,
  proxy: EgressProxy,
  deps: SetupDeps,
  input: SetupInput,
  commands: string[],
): Promise<string> {
  const seconds = input.config.setup_timeout ?? DEFAULT_SETUP_SECONDS;
  const deadline = Date.now() + seconds * 1000;
  const disk = watchDisk(deps);
  const transcript: string[] = [];
  try {
    for (const [index, command] of commands.entries()) {
      const shown = redactText(command);
      await input.report(`setup ${index + 1}/${commands.length}: ${shown.slice(0, 80)}`);
      const left = deadline - Date.now();
      const signal = AbortSignal.any([input.signal, disk.signal]);
      const result =
        left > 0
          ? await sandbox
              .exec(withEgressEnvironment(command), { timeoutMs: left, signal })
              .catch((error: unknown) => {
                if (disk.signal.aborted && !input.signal.aborted) throw disk.signal.reason;
                throw error;
              })
          : undefined;
      const output = redactText(tail(result, TAIL_LINES));
      deps.logger.info(
        { command: shown, exitCode: result?.exitCode, ms: result?.durationMs, output },
        'Setup command ran',
      );
      // The proxy's refusals go in the output: a package manager's own error rarely names the host.
      transcript.push(`$ ${shown}\n${output}\n${refusals(proxy)}(exit ${result?.exitCode ?? 'not run'})`);
      if (!result || result.timedOut) {
        throw new PermanentError(
          `setup did not finish within setup_timeout (${seconds} s) at \`${shown}\`: raise setup_timeout in .codingworker.yml or make setup faster`,
        );
      }
      if (result.exitCode !== 0) {
        // A registry that did not answer (the proxy's 502) is bad luck, not the repository's configuration.
        if (unreachable(proxy)) {
          throw new TransientError(
            `setup command \`${shown}\` exited with ${result.exitCode} after a registry could not be reached (${unreachable(proxy)}): retried later. Last lines:\n${output}`,
          );
        }
        throw new PermanentError(
          `setup command \`${shown}\` exited with ${result.exitCode}: fix setup: in .codingworker.yml (or CW_EGRESS_ALLOW for a refused host). ${refusals(proxy)}Last lines:\n${output}`,
        );
      }
    }
    return transcript.join('\n');
  } finally {
    disk.stop();
  }
}

/** The hosts the proxy could not reach (502), when it refused none: a registry outage, not a refusal. */
function unreachable(proxy: EgressProxy): string | undefined {
  if (proxy.records.some((record) => !record.allowed)) return undefined;
  const hosts = new Set(
    proxy.records.filter((record) => record.status === 502).map((record) => `${record.host}:${record.port}`),
  );
  return hosts.size > 0 ? [...hosts].slice(0, 3).join(', ') : undefined;
}

/** One line per host the proxy refused, with its reason: what a package manager's own error rarely says. */
function refusals(proxy: EgressProxy): string {
  const lines = new Set(
    proxy.records
      .filter((record) => !record.allowed)
      .map((record) => `${record.host}:${record.port} ${record.reason ?? 'refused'}`),
  );
  return lines.size > 0 ? `The egress proxy refused: ${[...lines].slice(0, 5).join('; ')}. ` : '';
}

/** Checks free space under CW_WORK_DIR every second: setup writes to the workspace, on the host's disk. */
function watchDisk(deps: SetupDeps): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const { workDir, minFreeMb } = deps.settings.agent;
  const timer = setInterval(() => {
    requireFreeSpace(workDir, deps.statfs, minFreeMb * 1024 ** 2).catch((error: unknown) => {
      controller.abort(new PermanentError(`setup filled the disk and was stopped: ${errorMessage(error)}`));
    });
  }, DISK_CHECK_MS);
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

function tail(result: ExecResult | undefined, lines: number): string {
  if (!result) return '';
  const text = `${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}
