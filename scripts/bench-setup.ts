// The setup phase's cost on a small Python repository: setup cold (pip installs one package through the
// egress proxy from a local stand-in index, in a real sandbox container) against warm (restored from the
// setup cache), the cache entry's size, and the egress proxy's added latency per request (the same GET to
// a local server directly and through the proxy's Unix socket, on the host).
//
//   node scripts/bench-setup.ts [--runs 3] [--requests 200]
//
// Needs Docker and the sandbox image. Results in docs/benchmarks.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type LocalPypi, pipInstallCommand, startLocalPypi } from '../test/support/local-pypi.ts';
import { loadSettings } from '../worker/core/settings.ts';
import { runGit } from '../worker/job/git-process.ts';
import { parseRepoConfig } from '../worker/job/repo-config.ts';
import { runSetup } from '../worker/job/setup.ts';
import { createSetupCache } from '../worker/job/setup-cache.ts';
import { createDockerSandboxProvider } from '../worker/sandbox/docker-sandbox.ts';
import { startEgressProxy } from '../worker/sandbox/egress-proxy.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, requests: { type: 'string', default: '200' } },
});
const logger = pino({ level: 'silent' });

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'cw-bench-setup-'));
  const index = await startLocalPypi(scratch);
  try {
    await setupTimes(scratch, index);
    await proxyLatency(scratch, index);
  } finally {
    await index.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A fresh clone-like workspace: the repository's files committed in a new git repository. */
async function workspace(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.py'), 'import tinydep\nprint(tinydep.ANSWER)\n');
  writeFileSync(join(dir, 'requirements.txt'), 'tinydep==1.0\n');
  writeFileSync(join(dir, '.gitignore'), '.deps/\n');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'b',
    GIT_AUTHOR_EMAIL: 'b@b',
    GIT_COMMITTER_NAME: 'b',
    GIT_COMMITTER_EMAIL: 'b@b',
  };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-qm', 'init'],
  ])
    await runGit(['-C', dir, ...args], { env });
  return dir;
}

async function setupTimes(scratch: string, index: LocalPypi): Promise<void> {
  const settings = loadSettings({
    ...process.env,
    CW_WORK_DIR: join(scratch, 'work'),
    CW_EGRESS_ALLOW: `127.0.0.1:${index.port}`,
  });
  mkdirSync(settings.agent.workDir, { recursive: true });
  const sandboxProvider = createDockerSandboxProvider(settings.sandbox, logger, undefined, 'bench-setup');
  const image = await sandboxProvider.imageId();
  const config = parseRepoConfig(`setup: ${pipInstallCommand(index)}\n`);
  const cold: number[] = [];
  const warm: number[] = [];
  let bytes = 0;
  for (let run = 0; run < Number(values.runs); run += 1) {
    const cache = createSetupCache({
      root: join(scratch, `cache-${run}`),
      maxBytes: 512 * 1024 ** 2,
      logger,
    });
    for (const [label, times] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      const dir = await workspace(join(scratch, `ws-${run}-${label}`));
      const outcome = await runSetup(
        { settings, sandboxProvider, cache, logger, image },
        {
          repository: 'bench/deps',
          taskId: `bench-${run}`,
          workspace: dir,
          config,
          signal: new AbortController().signal,
          report: async () => undefined,
        },
      );
      if (!outcome.ran || outcome.cached !== (label === 'warm'))
        throw new Error(`${label} run ${run}: unexpected ${JSON.stringify(outcome)}`);
      times.push(outcome.ms);
    }
    bytes = (await cache.list()).reduce((sum, entry) => sum + entry.bytes, 0);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  console.log(`setup of a small Python repository (pip, 1 package, through the proxy), ${values.runs} runs:`);
  console.log(`  cold (setup runs):      median ${median(cold)} ms  (${cold.join(', ')})`);
  console.log(`  warm (cache hit):       median ${median(warm)} ms  (${warm.join(', ')})`);
  console.log(`  cache entry:            ${bytes} bytes`);
}

async function proxyLatency(scratch: string, index: LocalPypi): Promise<void> {
  const socketPath = join(scratch, 'egress.sock');
  const proxy = await startEgressProxy({ socketPath, allow: [`127.0.0.1:${index.port}`], logger });
  const direct = await timeRequests(() =>
    get({ host: '127.0.0.1', port: index.port, path: '/simple/tinydep/' }),
  );
  const proxied = await timeRequests(() =>
    get({ socketPath, path: `http://127.0.0.1:${index.port}/simple/tinydep/` }),
  );
  await proxy.close();
  const perRequest = (total: number) => (total / Number(values.requests)).toFixed(3);
  console.log(`egress proxy, ${values.requests} sequential GETs of a local index page:`);
  console.log(`  direct:                 ${perRequest(direct)} ms per request`);
  console.log(
    `  through the proxy:      ${perRequest(proxied)} ms per request (+${perRequest(proxied - direct)} ms)`,
  );
}

async function timeRequests(one: () => Promise<void>): Promise<number> {
  for (let warmup = 0; warmup < 20; warmup += 1) await one();
  const started = performance.now();
  for (let index = 0; index < Number(values.requests); index += 1) await one();
  return performance.now() - started;
}

function get(options: { host?: string; port?: number; socketPath?: string; path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ ...options, agent: false }, (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`)),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

await main();
