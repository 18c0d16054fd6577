// Reads a process's CPU time and resident memory from /proc (Linux), so the broker's cost is
// measured apart from the load generator's on a 2-core machine.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * A process's write system calls (files and sockets alike) and the bytes it caused to be written
 * to storage, from /proc/<pid>/io: counting them per message shows what an extra durable log costs.
 */
export function ioCounters(pid: number): { writeCalls: number; storageWriteBytes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  return { writeCalls: field('syscw'), storageWriteBytes: field('write_bytes') };
}
