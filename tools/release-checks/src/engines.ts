import { readFile, realpath } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import semver from 'semver'

/** A package of an installed tree and the Node versions its `engines.node` accepts. */
export interface EngineNeed {
  /** `name@version`. */
  id: string
  range: string
}

interface Manifest {
  name: string
  version: string
  engines?: { node?: string }
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))

/** Where Node finds package `name` from `fromDir`: `node_modules/<name>` here or in a parent. */
async function resolvePackageDir(name: string, fromDir: string): Promise<string | undefined> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    try {
      await readFile(join(candidate, 'package.json'))
      return await realpath(candidate)
    } catch {
      // not here: one level up
    }
    if (dirname(dir) === dir) return undefined
  }
}

/**
 * The `engines.node` of every package the installed package at `packageDir`
 * runs with: its dependencies, optional and peer dependencies as installed
 * (resolved as Node resolves them), transitively. A dependency that is not
 * installed is an error unless it is optional or a peer.
 */
export async function dependencyEngines(packageDir: string): Promise<EngineNeed[]> {
  const needs: EngineNeed[] = []
  const seen = new Set<string>([await realpath(packageDir)])
  const queue = [await realpath(packageDir)]
  while (queue.length > 0) {
    const dir = queue.shift()!
    const manifest = await readManifest(dir)
    const required = Object.keys(manifest.dependencies ?? {})
    const optional = [
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]
    for (const name of [...required, ...optional]) {
      const found = await resolvePackageDir(name, dir)
      if (found === undefined) {
        if (required.includes(name) && !optional.includes(name)) {
          throw new Error(`${manifest.name} depends on ${name}, which is not installed`)
        }
        continue
      }
      if (seen.has(found)) continue
      seen.add(found)
      queue.push(found)
      const dep = await readManifest(found)
      const range = dep.engines?.node
      if (range !== undefined) needs.push({ id: `${dep.name}@${dep.version}`, range })
    }
  }
  return needs.sort((a, b) => a.id.localeCompare(b.id))
}

/**
 * The Node versions every range accepts, as one range (`*` for none): the
 * pairwise union of their comparator sets, keeping those some version
 * satisfies.
 */
export function intersectRanges(ranges: readonly string[]): string {
  let sets: string[] = ['*']
  for (const range of ranges) {
    const next = new Set<string>()
    for (const a of sets) {
      for (const b of new semver.Range(range).set) {
        const joined = `${a === '*' ? '' : a} ${b.map(String).join(' ')}`.trim() || '*'
        if (semver.minVersion(joined) !== null && semver.intersects(a, joined)) next.add(joined)
      }
    }
    sets = [...next]
  }
  return sets.length === 0 ? '<0.0.0-0' : sets.join(' || ')
}

/**
 * Whether two ranges accept exactly the same versions. semver's `subset`
 * matches comparator sets one to one, so write a union as the dependencies
 * do (`22.x || 23.x`, not `>=22 <24`).
 */
export function sameVersions(a: string, b: string): boolean {
  return semver.subset(a, b) && semver.subset(b, a)
}
