// Who owns the workspace while a container works on it.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { SANDBOX_GID, SANDBOX_UID } from './sandbox.ts';

export interface LentWorkspace {
  /** The user the container runs as. */
  uid: number;
  gid: number;
  /** Gives a lent workspace back to its owner (chown -R); nothing to do otherwise. Safe to call twice. */
  giveBack(): Promise<void>;
}

/**
 * The bind mount keeps numeric owners. A container runs as the workspace's owner, so the files stay
 * theirs; a root-owned workspace (a worker running as root) is lent to the sandbox user (uid 1000) instead —
 * the sandbox never runs as root — and given back when the container is gone, so host git owns it again.
 */
export async function lendWorkspace(workspace: string): Promise<LentWorkspace> {
  const owner = await stat(workspace);
  if (!owner.isDirectory()) throw new Error(`sandbox workspace ${workspace} is not a directory`);
  if (owner.uid !== 0) return { uid: owner.uid, gid: owner.gid, giveBack: async () => undefined };
  await chownTree(workspace, SANDBOX_UID, SANDBOX_GID);
  let given: Promise<void> | undefined;
  return {
    uid: SANDBOX_UID,
    gid: SANDBOX_GID,
    giveBack: () => {
      given ??= chownTree(workspace, owner.uid, owner.gid);
      return given;
    },
  };
}

/** chown -R without following symbolic links (a repository can contain links pointing anywhere). */
async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('chown', ['-R', '-h', `${uid}:${gid}`, '--', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (errors.length < 2_000) errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`chown -R ${uid}:${gid} ${path} failed: ${errors.trim()}`)),
    );
  });
}
