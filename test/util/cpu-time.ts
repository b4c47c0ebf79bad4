/**
 * CPU time of this process, for the tests about our own work blocking the event loop (a drain
 * loop, a parser, one fuzz case): unlike wall time, other processes on a busy machine do not add
 * to it, so a bound on it holds under load. The process's other threads (GC, the libuv pool) do
 * count; they are small next to the bounds the tests use.
 */

/** A mark to measure from. */
export const cpuMark = (): NodeJS.CpuUsage => process.cpuUsage();

/** CPU time (user + system) spent since `mark`, in ms. */
export function cpuMsSince(mark: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(mark);
  return (d.user + d.system) / 1000;
}
