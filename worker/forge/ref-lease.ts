// A lease kept in a ref of the remote repository itself, so workers that share nothing but the repository
// (two daemons on two machines behind one SQS queue) agree which of them works on something. The ref
// points at a commit with an empty tree whose message names the holder and when the lease ends. It is
// taken, renewed and dropped with `git push --force-with-lease=<ref>:<expected>`: the server's receive-pack
// updates the ref only while it still holds what this worker last saw (a compare-and-swap under the ref's
// lock), so of two workers taking it at once exactly one wins. A holder that dies stops renewing, and the
// lease ends by itself; one that died on this very host is seen at once (its pid is gone).
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { processAlive } from '../core/process-alive.ts';
import { type ConfigPair, GitCommandError, gitEnvironment, isLocalRemote, runGit } from '../job/git.ts';
import { hardeningConfig } from '../job/git-process.ts';

export interface LeaseHolder {
  /** CW_WORKER_ID, to name the holder to a person. */
  worker: string;
  /** This host's name hashed (thisHost()): the ref is as public as the repository, the name need not be. */
  host: string;
  pid: number;
}

export interface LeaseRecord extends LeaseHolder {
  until: Date;
  /** The lease commit the ref points at: the value a compare-and-swap expects. */
  sha: string;
}

export interface RefLeaseOptions {
  /** The remote repository: a URL, or a path for a local one. */
  remote: string;
  /** The ref the lease lives in, e.g. refs/codingworker/leases/pull-12. */
  ref: string;
  /** What the lease is for, in the commit's title. */
  what: string;
  holder: LeaseHolder;
  ttlMs: number;
  /** Asked before every git call (credentials): a token may be renewed while a lease is held. */
  config: () => Promise<ConfigPair[]>;
  /** A scratch bare repository for the lease commits; created when missing. */
  gitDir: string;
  now?: () => Date;
}

/**
 * Not taken: `by` holds it, or (`by` undefined) the push was refused while nobody held it, either because
 * the winner of a race let go at once or because the remote refuses the ref (a server hook or rule).
 */
export type TakeResult = { taken: true; sha: string } | { taken: false; by?: LeaseRecord };

export interface RefLease {
  /** Takes the lease when it is free, ended, or held by a process of this host that is gone. */
  take(): Promise<TakeResult>;
  /** Extends the lease held at `sha`; undefined when another worker holds it now. */
  renew(sha: string): Promise<string | undefined>;
  /** Drops the lease held at `sha`, unless another worker took it meanwhile. */
  release(sha: string): Promise<void>;
  /** The lease as the remote holds it now. */
  read(): Promise<LeaseRecord | undefined>;
}

const AUTHOR = { name: 'CodingWorker', email: 'codingworker@localhost' };

/** The holder this process is. */
export const thisProcess = (worker: string): LeaseHolder => ({ worker, host: thisHost(), pid: process.pid });

/** Enough to tell this host from another, without publishing its name. */
export const thisHost = (): string => createHash('sha256').update(hostname()).digest('hex').slice(0, 12);

export function createRefLease(options: RefLeaseOptions): RefLease {
  const now = options.now ?? (() => new Date());
  const local = isLocalRemote(options.remote);
  let ready: Promise<unknown> | undefined;
  const git = async (args: string[], input?: string) => {
    ready ??= mkdir(options.gitDir, { recursive: true }).then(() =>
      runGit(['init', '--quiet', '--bare', '.'], { cwd: options.gitDir, env: gitEnvironment([]) }),
    );
    await ready;
    const config = [...hardeningConfig(local), ...(await options.config())];
    return runGit(args, { cwd: options.gitDir, env: gitEnvironment(config, AUTHOR), input });
  };

  async function read(): Promise<LeaseRecord | undefined> {
    const listed = await git(['ls-remote', '--', options.remote, options.ref]);
    const sha = listed.split('\t')[0]?.trim();
    if (!sha) return undefined;
    // By name, not by id: the ref may have moved since it was listed, and what is fetched is what it holds.
    const seen = 'refs/codingworker/seen';
    const fetched = await git([
      'fetch',
      '--quiet',
      '--no-tags',
      '--',
      options.remote,
      `+${options.ref}:${seen}`,
    ])
      .then(() => true)
      .catch(async (error: unknown) => {
        if ((await git(['ls-remote', '--', options.remote, options.ref])).trim() === '') return false;
        throw error;
      });
    if (!fetched) return undefined;
    const at = (await git(['rev-parse', '--verify', `${seen}^{commit}`])).trim();
    return parseRecord(at, await git(['log', '-1', '--format=%B', at]));
  }

  /** Points the ref at a new lease commit if it still holds `expected` ('' = absent); false when it moved. */
  async function swap(expected: string, until: Date): Promise<string | false> {
    const tree = (await git(['mktree'], '')).trim();
    const sha = (await git(['commit-tree', tree, '-F', '-'], recordMessage(options, until))).trim();
    const pushed = await push(`--force-with-lease=${options.ref}:${expected}`, `${sha}:${options.ref}`);
    return pushed ? sha : false;
  }

  /** A push that the server refused because the ref moved is false; any other failure is thrown. */
  async function push(lease: string, refspec: string): Promise<boolean> {
    try {
      await git(['push', '--quiet', '--no-verify', lease, '--', options.remote, refspec]);
      return true;
    } catch (error) {
      if (!(error instanceof GitCommandError) || error.exitCode !== 1) throw error;
      return false;
    }
  }

  return {
    read,
    async take() {
      const current = await read();
      if (current && !isOver(current, now())) return { taken: false, by: current };
      const sha = await swap(current?.sha ?? '', new Date(now().getTime() + options.ttlMs));
      if (sha) return { taken: true, sha };
      const winner = await read();
      return winner ? { taken: false, by: winner } : { taken: false };
    },
    async renew(sha) {
      return (await swap(sha, new Date(now().getTime() + options.ttlMs))) || undefined;
    },
    async release(sha) {
      await push(`--force-with-lease=${options.ref}:${sha}`, `:${options.ref}`);
    },
  };
}

/** Ended, or held by a process of this host that no longer runs (killed, crashed). */
export function isOver(record: LeaseRecord, now: Date): boolean {
  if (record.until.getTime() <= now.getTime()) return true;
  return record.host === thisHost() && record.pid !== process.pid && !processAlive(record.pid);
}

function recordMessage(options: RefLeaseOptions, until: Date): string {
  const { worker, host, pid } = options.holder;
  return `CodingWorker lease: ${options.what}\n\nworker: ${worker}\nhost: ${host}\npid: ${pid}\nuntil: ${until.toISOString()}\n`;
}

/** A lease commit's message; one that does not parse (not ours, damaged) counts as ended. */
export function parseRecord(sha: string, message: string): LeaseRecord {
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(message)?.[1]?.trim() ?? '';
  const until = new Date(field('until'));
  return {
    sha,
    worker: field('worker') || 'an unknown worker',
    host: field('host'),
    pid: Number(field('pid')) || 0,
    until: Number.isNaN(until.getTime()) ? new Date(0) : until,
  };
}
