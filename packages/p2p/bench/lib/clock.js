/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across
 * the processes of one machine (each process's timeOrigin is taken from the
 * same system clock), for latencies measured from one process to another.
 */
export function nowMs() {
  return performance.timeOrigin + performance.now()
}
