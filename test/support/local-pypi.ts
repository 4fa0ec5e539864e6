// A stand-in Python package index for the setup phase's tests and benchmark: a PEP 503 "simple" server on
// loopback serving one wheel it builds itself with Python's zipfile (no network, no build tools), and
// counting every request, so a test can tell whether pip really came (setup ran) or not (cache hit).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface LocalPypi {
  port: number;
  /** The --index-url for pip. */
  url: string;
  /** Every request path, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** `tinydep` 1.0, a one-module package (`tinydep.ANSWER == 42`), as a wheel in `dir`. */
function buildWheel(dir: string): string {
  const name = 'tinydep-1.0-py3-none-any.whl';
  execFileSync('python3', [
    '-c',
    `import zipfile,sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('tinydep/__init__.py', 'ANSWER = 42\\n')
    z.writestr('tinydep-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: tinydep\\nVersion: 1.0\\n')
    z.writestr('tinydep-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
    z.writestr('tinydep-1.0.dist-info/RECORD', '')`,
    join(dir, name),
  ]);
  return name;
}

export async function startLocalPypi(dir: string): Promise<LocalPypi> {
  const wheel = buildWheel(dir);
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const path = new URL(request.url ?? '/', 'http://index').pathname;
    if (path === '/simple/tinydep/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html><body><a href="/files/${wheel}">${wheel}</a></body></html>`);
    } else if (path === `/files/${wheel}`) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(readFileSync(join(dir, wheel)));
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The pip command a repository's setup: runs against the stand-in index (into .deps, no cache). */
export function pipInstallCommand(index: LocalPypi): string {
  return `python3 -m pip install --no-cache-dir --disable-pip-version-check --target .deps --index-url ${index.url} --trusted-host 127.0.0.1 -r requirements.txt`;
}
