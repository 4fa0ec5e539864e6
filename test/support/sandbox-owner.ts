// A process that starts sandboxes and never removes them, for tests to kill -9: argv worker id, workspace,
// count. Prints each container id on a line, then "ready", then waits to be killed.
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import { docker, sandboxSettings, silent } from './sandbox-fixtures.ts';

const [workerId = 'test-owner', workspace = '/tmp', count = '1'] = process.argv.slice(2);
const provider = createDockerSandboxProvider(sandboxSettings(), silent, docker, workerId);
for (let index = 0; index < Number(count); index += 1) {
  const sandbox = await provider.start({ taskId: `owner-${index}`, workspace });
  console.log(sandbox.id);
}
console.log('ready');
setInterval(() => undefined, 60_000);
