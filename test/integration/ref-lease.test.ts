// The lease kept in a ref of the remote (worker/forge/ref-lease.ts) against a real bare repository and
// real git push: one winner among workers taking it at once, renewal, release, a lease that ended or whose
// holder died on this host taken over, and one another worker took over never renewed or dropped.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { createRefLease, type LeaseHolder, parseRecord, thisHost } from '../../worker/forge/ref-lease.ts';

const REF = 'refs/codingworker/leases/pull-3';
const root = mkdtempSync(join(tmpdir(), 'cw-lease-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('a lease in a ref of the remote', () => {
  let remote: string;
  let count = 0;
  beforeEach(() => {
    count += 1;
    remote = join(root, `remote-${count}.git`);
    execFileSync('git', ['init', '--quiet', '--bare', remote]);
  });

  const holder = (worker: string, pid = process.pid): LeaseHolder => ({ worker, host: thisHost(), pid });
  const leaseFor = (who: LeaseHolder, options: { ttlMs?: number; now?: () => Date } = {}) =>
    createRefLease({
      remote,
      ref: REF,
      what: 'o/r#3',
      holder: who,
      ttlMs: options.ttlMs ?? 60_000,
      config: async () => [],
      gitDir: join(root, `scratch-${count}-${who.worker}`),
      ...(options.now ? { now: options.now } : {}),
    });
  const remoteRef = () => {
    try {
      return execFileSync('git', ['--git-dir', remote, 'rev-parse', '--verify', '--quiet', REF], {
        encoding: 'utf8',
      }).trim();
    } catch {
      return undefined;
    }
  };

  it('has exactly one winner among workers taking it at the same moment, and names it to the others', async () => {
    const workers = ['a', 'b', 'c', 'd', 'e'].map((name) => leaseFor(holder(name)));
    const results = await Promise.all(workers.map((lease) => lease.take()));
    const winners = results.filter((result) => result.taken);
    assert.equal(winners.length, 1, JSON.stringify(results));
    const sha = (winners[0] as { sha: string }).sha;
    assert.equal(remoteRef(), sha);
    const record = await workers[0]!.read();
    for (const result of results.filter((entry) => !entry.taken)) {
      assert.equal((result as { by: { worker: string } }).by.worker, record?.worker);
    }
    assert.ok(record && record.until.getTime() > Date.now() + 50_000, 'held for its time to live');
    assert.ok(!JSON.stringify(record).includes(hostname()), "the host's name is not published");
  });

  it('is renewed by its holder, and once released can be taken by another', async () => {
    const a = leaseFor(holder('a'));
    const b = leaseFor(holder('b'));
    const first = await a.take();
    assert.ok(first.taken);
    const renewed = await a.renew(first.sha);
    assert.ok(renewed && renewed !== first.sha);
    assert.equal(remoteRef(), renewed);
    assert.equal((await b.take()).taken, false);
    await a.release(renewed);
    assert.equal(remoteRef(), undefined, 'the ref is gone');
    assert.equal((await b.take()).taken, true);
  });

  it('is taken over once it ended, and the old holder can then neither renew nor drop it', async () => {
    let clock = Date.now();
    const now = () => new Date(clock);
    const a = leaseFor(holder('a'), { ttlMs: 1_000, now });
    const b = leaseFor(holder('b'), { ttlMs: 1_000, now });
    const first = await a.take();
    assert.ok(first.taken);
    assert.equal((await b.take()).taken, false);
    clock += 1_001;
    const second = await b.take();
    assert.ok(second.taken, 'ended: taken over');
    assert.equal(await a.renew(first.sha), undefined, 'the old holder lost it');
    await a.release(first.sha);
    assert.equal(remoteRef(), second.sha, "the old holder's release leaves the new lease alone");
  });

  it('is taken over at once when its holder on this host is gone (killed), and not while it runs', async () => {
    const child = spawn('sleep', ['30']);
    const alive = await leaseFor(holder('alive', child.pid!)).take();
    assert.ok(alive.taken);
    assert.equal((await leaseFor(holder('b')).take()).taken, false, 'its process still runs');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const after = await leaseFor(holder('c')).take();
    assert.ok(after.taken, 'its process is gone');
  });

  it('counts a lease commit it cannot read as ended', () => {
    const record = parseRecord('abc', 'something else entirely\n');
    assert.equal(record.until.getTime(), 0);
    assert.equal(record.sha, 'abc');
  });

  it('fails with the git error, not as "held", when the remote cannot be reached', async () => {
    remote = join(root, 'no-such-remote.git');
    await assert.rejects(leaseFor(holder('a')).take(), /exited 128/);
  });
});
