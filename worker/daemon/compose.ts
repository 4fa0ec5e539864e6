// Composition of the real job: settings -> sandbox provider, runner (built-in agent on Ollama, or the
// opt-in OpenHands CLI), GitHub forge -> the pipeline of worker/job/pipeline.ts. `codingworker start` and
// `codingworker run` (without --repo-path) build their work from here, so both run the same parts.
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { createBuiltinRunner } from '../agent/builtin-runner.ts';
import { checkOpenHands, createOpenHandsRunner } from '../agent/openhands-runner.ts';
import type { Runner } from '../agent/runner.ts';
import type { Settings } from '../core/settings.ts';
import type { Forge } from '../forge/forge.ts';
import { createGitHubClient, gitHubCheck } from '../forge/github-client.ts';
import { createGitHubForge } from '../forge/github-forge.ts';
import { createJobHandler } from '../job/dispatch.ts';
import { removeAbandonedWorkspaces } from '../job/pipeline.ts';
import { createOllamaModel } from '../model/ollama-model.ts';
import type { TaskHandler } from '../queue/task-handler.ts';
import { createDockerSandboxProvider } from '../sandbox/docker-sandbox.ts';
import type { SandboxProvider } from '../sandbox/sandbox.ts';
import type { Check } from './doctor-check.ts';

export function createSandboxProvider(settings: Settings, logger: Logger, docker?: Docker): SandboxProvider {
  return createDockerSandboxProvider(settings.sandbox, logger, docker, settings.workerId);
}

/** CW_RUNNER: the built-in text-protocol agent (default) or the opt-in OpenHands CLI. */
export function createRunner(settings: Settings, logger: Logger, sandboxProvider: SandboxProvider): Runner {
  if (settings.agent.runner === 'openhands') return createOpenHandsRunner({ settings, logger });
  return createBuiltinRunner({
    model: createOllamaModel(settings.model, logger),
    sandboxProvider,
    settings,
    logger,
  });
}

export function createGitHubForgeFromSettings(settings: Settings, logger: Logger): Forge {
  const client = createGitHubClient(settings.github, logger);
  return createGitHubForge({ settings: settings.github, client, logger, workerId: settings.workerId });
}

/**
 * Removes the containers and workspaces of runs on this host whose process is gone (kill -9, a crash):
 * `start` and `run` call it first; a live process's are never touched. Failures are logged, not thrown.
 */
export async function removeLeftovers(
  settings: Settings,
  logger: Logger,
  sandboxProvider: SandboxProvider,
): Promise<{ containers: number; workspaces: number }> {
  const [containers, workspaces] = await Promise.all([
    sandboxProvider.removeOrphans().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not look for leftover sandbox containers');
      return 0;
    }),
    removeAbandonedWorkspaces(settings).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not look for leftover workspaces');
      return 0;
    }),
  ]);
  if (containers > 0)
    logger.warn({ removed: containers }, 'removed sandbox containers left by an earlier run');
  if (workspaces > 0) logger.warn({ removed: workspaces }, 'removed workspaces left by an earlier run');
  return { containers, workspaces };
}

/**
 * The daemon's handler. Containers and workspaces a crashed run left behind are removed before it is
 * returned, so polling (which starts after) can never remove the first task's fresh container.
 */
export async function createTaskHandler(
  settings: Settings,
  logger: Logger,
  deps: { sandboxProvider?: SandboxProvider } = {},
): Promise<TaskHandler> {
  const sandboxProvider = deps.sandboxProvider ?? createSandboxProvider(settings, logger);
  await removeLeftovers(settings, logger, sandboxProvider);
  return createJobHandler({
    settings,
    forge: createGitHubForgeFromSettings(settings, logger),
    runner: createRunner(settings, logger, sandboxProvider),
    sandboxProvider,
  });
}

/**
 * The doctor lines of the job's dependencies: Docker and the image, the runner's own (Ollama and the model,
 * or the OpenHands image and its Docker socket), GitHub.
 */
export function jobChecks(settings: Settings, logger: Logger, docker?: Docker): Check[] {
  const sandboxProvider = createSandboxProvider(settings, logger, docker);
  const runner: Check =
    settings.agent.runner === 'openhands'
      ? () => checkOpenHands(settings, docker)
      : () => createOllamaModel(settings.model, logger).check();
  return [() => sandboxProvider.check(), runner, gitHubCheck(settings.github, logger)];
}
