/**
 * Keeping the logs of earlier devnet runs, as logrotate numbers them:
 * `<name>.log` is the current run, `<name>.log.1` the run before it, up to
 * `<name>.log.<keep>`; older ones are deleted. Every name found in the
 * directory shifts together, so `.2` means "two runs ago" for every child,
 * even one that did not run last time.
 */
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** Earlier runs whose logs `devnet up` keeps by default. */
export const DEFAULT_KEPT_LOG_RUNS = 5

/** Most earlier runs `--keep-logs` may ask for. */
export const MAX_KEPT_LOG_RUNS = 100

const LOG_FILE = /^(.+)\.log(?:\.(\d+))?$/

/**
 * Shifts every `<name>.log[.k]` in `logsDir` up by one, deleting what would
 * pass `keep`; a missing directory is nothing to rotate. Returns the names
 * of the files that became `.1` (the run just before this one).
 */
export async function rotateLogs(logsDir: string, keep: number): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(logsDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  // Per base name, the generations present (0 = the current `.log`).
  const generations = new Map<string, number[]>()
  for (const entry of entries) {
    const match = LOG_FILE.exec(entry)
    if (match === null) continue
    const generation = match[2] === undefined ? 0 : Number(match[2])
    generations.set(match[1]!, [...(generations.get(match[1]!) ?? []), generation])
  }
  const previous: string[] = []
  for (const [name, present] of generations) {
    // Oldest first, so no rename lands on a file not yet moved.
    for (const generation of present.sort((a, b) => b - a)) {
      const from = join(logsDir, fileName(name, generation))
      if (generation >= keep) await rm(from, { force: true })
      else await rename(from, join(logsDir, fileName(name, generation + 1)))
      if (generation === 0 && keep > 0) previous.push(fileName(name, 1))
    }
  }
  return previous.sort()
}

function fileName(name: string, generation: number): string {
  return generation === 0 ? `${name}.log` : `${name}.log.${generation}`
}
