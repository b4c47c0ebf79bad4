/**
 * CPU time of threads, for figures that must not count the time a loaded machine keeps a thread
 * waiting for a core. Linux only (`/proc`); elsewhere every reading is NaN and figures say so.
 *
 * - `threadCpuNs()`: the calling thread's time on a CPU, in ns (`/proc/thread-self/schedstat`:
 *   the scheduler's own count, nanosecond resolution, unlike the 10 ms ticks of `stat`).
 * - `taskCpuNs(tid)`: the same for another thread of this process (a worker reports its `tid`).
 * - `process.cpuUsage()` counts every thread: the main thread, V8's helper threads (parallel and
 *   concurrent GC, compilers) and the workers.
 */
import { readFileSync } from 'node:fs';

function schedstatNs(path: string): number {
  try {
    return Number(readFileSync(path, 'latin1').split(' ', 1)[0]);
  } catch {
    return Number.NaN;
  }
}

export function threadCpuNs(): number {
  return schedstatNs('/proc/thread-self/schedstat');
}

export function taskCpuNs(tid: number): number {
  return schedstatNs(`/proc/self/task/${tid}/schedstat`);
}

/** This thread's id (the kernel's), for `taskCpuNs` in another thread; NaN off Linux. */
export function threadId(): number {
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'latin1').split(' ', 1)[0]);
  } catch {
    return Number.NaN;
  }
}

/** The process's CPU time (all threads), in ns. */
export function processCpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}
