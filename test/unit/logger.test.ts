import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, rotationOptions, taskLogger } from '../../worker/core/logger.ts';
import { CANARY_SECRETS } from '../support/canary-secrets.ts';

function collector() {
  const lines: string[] = [];
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stdout };
}

test('lines carry the fields of docs/requirements.md#logging: ISO timestamp, upper-case level, message, issue, repository, worker', async () => {
  const { lines, stdout } = collector();
  const { logger } = await createLogger({ workerId: 'w-1', level: 'debug', retentionDays: 7, stdout });
  const task = taskLogger(logger, { issue_number: 42, repository: 'octo/repo' });
  task.debug('d');
  task.info('i');
  task.warn({ attempt: 2 }, 'w');
  task.error(new Error('e'), 'failed');
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    parsed.map((line) => line.level),
    ['DEBUG', 'INFO', 'WARN', 'ERROR'],
  );
  for (const line of parsed) {
    assert.match(line.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.issue_number, 42);
    assert.equal(line.repository, 'octo/repo');
    assert.equal(line.worker_id, 'w-1');
    assert.equal(typeof line.message, 'string');
    assert.ok(!('msg' in line) && !('pid' in line) && !('hostname' in line), JSON.stringify(line));
  }
  assert.equal(parsed[3]!.message, 'failed');
  assert.equal((parsed[3]!.error as Record<string, unknown>).message, 'e');
});

test('the level setting filters lines', async () => {
  const { lines, stdout } = collector();
  const { logger } = await createLogger({ workerId: 'w', level: 'warn', retentionDays: 7, stdout });
  logger.info('hidden');
  logger.warn('shown');
  assert.deepEqual(
    lines.map((line) => JSON.parse(line).message),
    ['shown'],
  );
});

test('CW_LOG_FILE is rotated daily by pino-roll, keeping retentionDays older files and deleting the rest', async () => {
  assert.deepEqual(rotationOptions('/var/log/cw/worker.log', 7), {
    file: '/var/log/cw/worker.log',
    frequency: 'daily',
    dateFormat: 'yyyy-MM-dd',
    mkdir: true,
    symlink: true,
    limit: { count: 7, removeOtherLogFiles: true },
  });
  const dir = mkdtempSync(join(tmpdir(), 'cw-log-'));
  const { stdout } = collector();
  const { logger, close } = await createLogger({
    workerId: 'w',
    level: 'info',
    file: join(dir, 'logs', 'worker.log'),
    retentionDays: 7,
    stdout,
  });
  logger.info('to the file');
  await close();
  const today = new Date().toISOString().slice(0, 10);
  const entries = readdirSync(join(dir, 'logs')).sort();
  // The dated file, pino-roll's link to it, and the configured path linking to that link.
  assert.deepEqual(
    entries.filter((name) => !/\d/.test(name)),
    ['current.log', 'worker.log'],
  );
  assert.equal(
    readlinkSync(join(dir, 'logs', 'current.log')),
    entries.find((name) => /\d/.test(name)),
  );
  assert.equal(readlinkSync(join(dir, 'logs', 'worker.log')), 'current.log');
  const files = entries.filter((name) => /\d/.test(name));
  // Local date in the name; around midnight UTC it may differ from the UTC date, so accept either side.
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^worker\.\d{4}-\d\d-\d\d\.1\.log$/);
  assert.ok(Math.abs(Date.parse(files[0]!.slice(7, 17)) - Date.parse(today)) <= 86_400_000);
  assert.match(readFileSync(join(dir, 'logs', files[0]!), 'utf8'), /"message":"to the file"/);
});

test('the CW_LOG_FILE path itself reads as the current log, also after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-log-'));
  const file = join(dir, 'worker.log');
  for (const message of ['first run', 'second run']) {
    const { logger, close } = await createLogger({
      workerId: 'w',
      level: 'info',
      file,
      retentionDays: 7,
      stdout: collector().stdout,
    });
    logger.info(message);
    await close();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(JSON.parse(lines.at(-1)!).message, message);
  }
});

test('a regular file at the CW_LOG_FILE path is refused with what to do, not overwritten', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-log-'));
  const file = join(dir, 'worker.log');
  writeFileSync(file, 'kept\n');
  await assert.rejects(
    createLogger({ workerId: 'w', level: 'info', file, retentionDays: 7, stdout: collector().stdout }),
    /CW_LOG_FILE .*worker\.log is a regular file.*move it/,
  );
  assert.equal(readFileSync(file, 'utf8'), 'kept\n');
});

test('no canary secret of any format reaches the log file, however it is logged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-log-'));
  const { lines, stdout } = collector();
  const file = join(dir, 'worker.log');
  const { logger, close } = await createLogger({
    workerId: 'w',
    level: 'debug',
    file,
    retentionDays: 7,
    stdout,
  });
  const task = taskLogger(logger, { issue_number: 1, repository: 'o/r' });
  for (const [name, secret] of Object.entries(CANARY_SECRETS)) {
    task.info(`message with ${secret}`);
    task.warn({ detail: { nested: [`value ${secret}`] } }, `object ${name}`);
    task.error({ error: new Error(`error with ${secret}`) }, `error ${name}`);
    task.error(new Error(`bare error with ${secret}`), `bare ${name}`);
    task.info({ token: secret, privateKey: secret, headers: { Authorization: secret } }, `keys ${name}`);
    logger.child({ context: `child binding ${secret}` }).info(`child ${name}`);
  }
  await close();
  const written = readdirSync(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
  assert.ok(written.length > 1_000, 'the file was written');
  for (const [name, secret] of Object.entries(CANARY_SECRETS)) {
    for (const fragment of secret.split('\n')) {
      if (fragment.length < 12) continue;
      assert.ok(!written.includes(fragment), `${name} reached the log file: ${fragment}`);
      assert.ok(!lines.join('\n').includes(fragment), `${name} reached stdout: ${fragment}`);
    }
  }
});
