// Whether a process on this host still runs: what tells a crashed run's leftovers (workspaces, sandbox
// containers) from a live one's. A reused pid only keeps a leftover longer; it never removes a live one.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
