// CPU time of other processes, from /proc/<pid>/stat (Linux): user + system
// time in milliseconds, summed over `pids`. A process that has exited counts
// as 0, so take readings while they run.
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux this runs on). */
const TICKS_PER_S = 100

export function cpuMsOf(pids) {
  let ticks = 0
  for (const pid of pids) {
    let stat
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue
    }
    // Fields after the command name (which may hold spaces) closed by the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return (ticks * 1000) / TICKS_PER_S
}
