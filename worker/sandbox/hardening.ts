// The one container-hardening spec: every container CodingWorker starts on a task's workspace (the sandbox,
// the OpenHands runner) builds its HostConfig from here, so a restriction added for one cannot be
// forgotten for the other. docs/sandbox.md explains each field.
import type Docker from 'dockerode';
import type { Settings } from '../core/settings.ts';
import { SANDBOX_HOME } from './sandbox.ts';

/** The HostConfig fields that lock a container down, whatever runs in it. */
export type HardenedHostConfig = Required<
  Pick<
    Docker.HostConfig,
    | 'CapDrop'
    | 'SecurityOpt'
    | 'ReadonlyRootfs'
    | 'PidsLimit'
    | 'Memory'
    | 'MemorySwap'
    | 'NanoCpus'
    | 'OomScoreAdj'
    | 'IpcMode'
  >
>;

export function hardenedHostConfig(limits: Settings['sandbox']): HardenedHostConfig {
  const bytes = limits.memoryMb * 1024 * 1024;
  return {
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: true,
    PidsLimit: limits.pids,
    // Equal to Memory: no swap, so a runaway command is killed instead of slowing the host down.
    Memory: bytes,
    MemorySwap: bytes,
    NanoCpus: Math.round(limits.cpus * 1e9),
    // Under host memory pressure the container goes before Ollama or the worker.
    OomScoreAdj: 500,
    IpcMode: 'private',
  };
}

/**
 * The only writable places besides /workspace: /tmp and the home, both tmpfs (gone with the container).
 * The home allows exec (pip --user and friends put tools in ~/.local) and belongs to the container user.
 */
export function writableTmpfs(options: {
  uid: number;
  gid: number;
  tmpMb: number;
  homeMb: number;
  /** Docker's tmpfs default is noexec; a runner whose binary unpacks itself into /tmp needs exec. */
  tmpExec: boolean;
}): Record<string, string> {
  const { uid, gid, tmpMb, homeMb, tmpExec } = options;
  return {
    '/tmp': `rw,${tmpExec ? 'exec' : 'noexec'},nosuid,nodev,size=${tmpMb}m`,
    [SANDBOX_HOME]: `rw,exec,nosuid,nodev,size=${homeMb}m,uid=${uid},gid=${gid}`,
  };
}
