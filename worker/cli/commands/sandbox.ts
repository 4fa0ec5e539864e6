// `codingworker sandbox build|remove-orphans`: the sandbox image and left-over containers.
import { type Command, Option } from 'commander';
import Docker from 'dockerode';
import pino from 'pino';
import { loadSettings } from '../../core/settings.ts';
import { removeLeftovers } from '../../daemon/compose.ts';
import { classifyDockerError, sandboxImage } from '../../sandbox/docker-errors.ts';
import { createDockerSandboxProvider } from '../../sandbox/docker-sandbox.ts';
import { type BuildMethod, buildSandboxImage, defaultBuildMethod, imageStatus } from '../../sandbox/image.ts';
import { DEFAULT_SANDBOX_IMAGE } from '../../sandbox/sandbox.ts';

export function register(program: Command): void {
  const sandbox = program.command('sandbox').description('the Docker sandbox the agent runs commands in');

  sandbox
    .command('build')
    .description(
      `build the sandbox image (${DEFAULT_SANDBOX_IMAGE}) offline from Debian packages or from sandbox/Dockerfile`,
    )
    .option('--if-missing', 'do nothing when the image exists and was built from the current recipe')
    .addOption(
      new Option('--offline', 'debootstrap + docker import: no registry needed (Linux, root)').conflicts(
        'dockerfile',
      ),
    )
    .addOption(new Option('--dockerfile', 'docker build of sandbox/Dockerfile (pulls debian:bookworm-slim)'))
    .option('--tag <image>', 'the image to build', DEFAULT_SANDBOX_IMAGE)
    .option('--mirror <url>', 'the Debian mirror of the offline build', 'http://deb.debian.org/debian')
    .option(
      '--base <image>',
      'the Debian bookworm base image of the Dockerfile build (default debian:bookworm-slim)',
    )
    .option('--verbose', 'show every build step')
    .action(
      async (options: {
        ifMissing?: boolean;
        offline?: boolean;
        dockerfile?: boolean;
        tag: string;
        mirror: string;
        base?: string;
        verbose?: boolean;
      }) => {
        const logger = pino({ level: options.verbose ? 'debug' : 'info' }, humanLines);
        const docker = new Docker();
        const status = await imageStatus(docker, options.tag).catch((error: unknown) => {
          throw classifyDockerError(error, sandboxImage(options.tag));
        });
        if (options.ifMissing && status === 'current') {
          console.error(`sandbox image ${options.tag} is present and current`);
          return;
        }
        const method: BuildMethod = options.offline
          ? 'offline'
          : options.dockerfile
            ? 'dockerfile'
            : defaultBuildMethod();
        console.error(
          `building sandbox image ${options.tag} (${method}${status === 'stale' ? ', the recipe changed' : ''})`,
        );
        const result = await buildSandboxImage({
          tag: options.tag,
          method,
          mirror: options.mirror,
          ...(options.base ? { base: options.base } : {}),
          logger,
        });
        console.error(`built ${result.tag} in ${result.seconds} s (${result.method})`);
      },
    );

  sandbox
    .command('remove-orphans')
    .description(
      'remove sandbox containers and workspaces (under CW_WORK_DIR) whose process is gone, e.g. after a crash',
    )
    .action(async () => {
      const settings = loadSettings();
      const logger = pino({ level: settings.log.level }, pino.destination(2));
      const provider = createDockerSandboxProvider(settings.sandbox, logger, new Docker(), settings.workerId);
      const removed = await removeLeftovers(settings, logger, provider);
      console.error(`removed ${removed.containers} container(s) and ${removed.workspaces} workspace(s)`);
    });
}

/** Build progress for a person at a terminal: the message of each log line, not the JSON. */
const humanLines = {
  write(line: string): void {
    const { msg } = JSON.parse(line) as { msg?: string };
    process.stderr.write(`  ${msg ?? line.trim()}\n`);
  },
};
