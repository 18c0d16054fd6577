// Whether a process id names a live process (the data dir lock and connection.json record the
// hub's pid; a file left by a crashed hub names a dead one).
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
