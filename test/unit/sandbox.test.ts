// The sandbox's pure parts: output capping, Docker error classification, the image recipe; and what
// happens when the Docker engine cannot be reached at all (a socket path with nothing behind it).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Docker from 'dockerode';
import pino from 'pino';
import { failureKind } from '../../worker/core/errors.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import { classifyDockerError, sandboxImage } from '../../worker/sandbox/docker-errors.ts';
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import { readPackages, recipeDirectory, recipeHash } from '../../worker/sandbox/image.ts';
import { CappedOutput } from '../../worker/sandbox/output-cap.ts';

function capture(limit: number, chunks: Array<string | Buffer>): CappedOutput {
  const output = new CappedOutput(limit);
  for (const chunk of chunks) output.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return output;
}

describe('CappedOutput', () => {
  test('keeps everything up to the limit, exactly', () => {
    const output = capture(10, ['abcde', 'fghij']);
    assert.equal(output.truncated, false);
    assert.equal(output.text(), 'abcdefghij');
  });

  test('beyond the limit keeps the head and the tail and says how much was cut', () => {
    const output = capture(10, ['abc', 'defgh', 'ijklmnop', 'qrstuvwxyz']);
    assert.equal(output.truncated, true);
    assert.equal(output.total, 26);
    assert.equal(output.text(), 'abcde\n[CodingWorker: 16 bytes of output cut here]\nvwxyz');
  });

  test('one huge chunk is cut the same way', () => {
    const output = capture(8, [Buffer.alloc(1_000_000, 'x'), 'END!']);
    assert.equal(output.text(), 'xxxx\n[CodingWorker: 999996 bytes of output cut here]\nEND!');
  });

  test('memory stays bounded while megabytes stream through', () => {
    const output = new CappedOutput(1_000);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    for (let i = 0; i < 200; i++) output.write(chunk);
    const held = (output as unknown as { tail: Buffer[] }).tail.reduce((sum, part) => sum + part.length, 0);
    assert.ok(held <= 500 + chunk.length, `holds ${held} bytes`);
    assert.equal(
      output.text().length,
      1_000 + '\n[CodingWorker: 13106200 bytes of output cut here]\n'.length,
    );
  });

  test('multi-byte characters survive when nothing is cut', () => {
    const text = 'こんにちは';
    const bytes = Buffer.from(text);
    const output = capture(100, [bytes.subarray(0, 4), bytes.subarray(4)]);
    assert.equal(output.text(), text);
  });
});

describe('classifyDockerError', () => {
  const image = 'codingworker-sandbox:latest';

  test('a full disk is a resource failure', () => {
    const error = classifyDockerError(
      { statusCode: 500, json: { message: 'write /var/lib/docker/tmp/x: no space left on device' } },
      sandboxImage(image),
    );
    assert.equal(failureKind(error), 'resource');
    assert.match(error.message, /docker system prune/);
  });

  test('an unreachable engine is transient and says what to start', () => {
    const error = classifyDockerError(
      Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }),
      sandboxImage(image),
    );
    assert.equal(failureKind(error), 'transient');
    assert.match(error.message, /start Docker Desktop or dockerd/);
  });

  test('a missing image says to build it', () => {
    const error = classifyDockerError(
      { statusCode: 404, json: { message: `No such image: ${image}` } },
      sandboxImage(image),
    );
    assert.equal(failureKind(error), 'transient');
    assert.match(error.message, /codingworker sandbox build/);
    // Another image (the OpenHands one) gets its own fix, not the sandbox's.
    const other = classifyDockerError({ statusCode: 404 }, { image: 'oh:latest', fix: 'unset CW_RUNNER' });
    assert.match(other.message, /the image oh:latest is missing: unset CW_RUNNER/);
  });

  test('a request the engine refuses (400) is permanent: the same request fails on every retry', () => {
    const refused = classifyDockerError({ statusCode: 400, json: { message: 'invalid mount config' } });
    assert.equal(failureKind(refused), 'permanent');
    assert.match(refused.message, /Docker refused the request \(HTTP 400\): invalid mount config/);
  });

  test('the kind comes from statusCode and code, whatever the message says', () => {
    const missing = classifyDockerError(
      { statusCode: 404, json: { message: 'nothing here' } },
      sandboxImage(image),
    );
    assert.match(missing.message, /image .* is missing/);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
      const lost = classifyDockerError(Object.assign(new Error('socket trouble'), { code }));
      assert.equal(failureKind(lost), 'transient', code);
      assert.match(lost.message, /Docker engine is not reachable/, code);
    }
    const full = classifyDockerError(
      Object.assign(new Error('write failed'), { code: 'EDQUOT' }),
      sandboxImage(image),
    );
    assert.equal(failureKind(full), 'resource');
  });

  test('a message that merely contains the words is not taken for the kind', () => {
    // A container that is gone: 404, but not about an image, whatever its name says.
    const gone = classifyDockerError({ statusCode: 404, json: { message: 'No such container: image-42' } });
    assert.doesNotMatch(gone.message, /sandbox build/);
    assert.equal(failureKind(gone), 'transient');
    // A refused request that quotes a file name: not a full disk.
    const refused = classifyDockerError(
      { statusCode: 400, json: { message: 'invalid mount /no space left on device: bad path' } },
      sandboxImage(image),
    );
    assert.equal(failureKind(refused), 'permanent');
    const plain = classifyDockerError(
      new Error('no space left on device (said a log line)'),
      sandboxImage(image),
    );
    assert.equal(failureKind(plain), 'transient');
  });
});

describe('without a Docker engine', () => {
  const settings = loadSettings({}).sandbox;
  const nowhere = new Docker({ socketPath: join(tmpdir(), `no-docker-${process.pid}.sock`) });
  const provider = createDockerSandboxProvider(settings, pino({ level: 'silent' }), nowhere, 'unit');

  test('start fails with a TransientError, so the task is retried', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'cw-unit-ws-'));
    try {
      await assert.rejects(provider.start({ taskId: 't', workspace }), (error: Error) => {
        assert.equal(failureKind(error), 'transient');
        assert.match(error.message, /Docker engine is not reachable/);
        return true;
      });
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
  });

  test('doctor says how to start Docker and does not pretend to check the image', async () => {
    const [engine, image] = await provider.check();
    assert.equal(engine?.ok, false);
    assert.match(engine?.fix ?? '', /Docker Desktop/);
    assert.equal(image?.ok, false);
    assert.match(image?.detail ?? '', /not checked/);
  });
});

describe('the image recipe', () => {
  test('packages.txt lists the tools the sandbox promises, without comments', async () => {
    const packages = await readPackages();
    for (const name of ['git', 'python3', 'make', 'ca-certificates', 'nodejs', 'gcc']) {
      assert.ok(packages.includes(name), `${name} is in sandbox/packages.txt`);
    }
    assert.ok(
      packages.every((name) => /^[a-z0-9][a-z0-9+.-]*$/.test(name)),
      packages.join(' '),
    );
  });

  test('the recipe hash changes when the package list does', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'cw-recipe-'));
    try {
      for (const file of ['packages.txt', 'Dockerfile'])
        await copyFile(join(recipeDirectory(), file), join(copy, file));
      assert.equal(await recipeHash(copy), await recipeHash());
      await writeFile(join(copy, 'packages.txt'), 'git\n');
      assert.notEqual(await recipeHash(copy), await recipeHash());
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
