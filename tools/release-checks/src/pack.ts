import { userEnv } from './env.js'
import { runCommand } from './run.js'
import { type PublishablePackage, pnpmCommand, repoRoot } from './workspace.js'

/** One tarball written by `pnpm pack`. */
export interface PackedPackage {
  name: string
  version: string
  /** Absolute path of the `.tgz`. */
  tarball: string
  /** Paths inside the tarball, relative to its `package/` directory. */
  files: string[]
}

/** pnpm rewrites workspace ranges on pack; 2 cores and cold caches: a minute at most. */
const PACK_TIMEOUT_MS = 120_000

/**
 * Packs the packages with `pnpm pack` (which rewrites `workspace:` and
 * `catalog:` ranges to real versions, as publishing does) into `destDir`.
 * Expects them built (`dist/`): pack runs no build.
 */
export async function packPackages(
  packages: readonly PublishablePackage[],
  destDir: string,
  options?: { signal?: AbortSignal },
): Promise<PackedPackage[]> {
  const pnpm = await pnpmCommand()
  const filters = packages.flatMap((p) => ['--filter', p.name])
  const { stdout } = await runCommand(
    pnpm.command,
    [...pnpm.args, '--recursive', ...filters, 'pack', '--pack-destination', destDir, '--json'],
    { cwd: repoRoot, env: userEnv(), timeoutMs: PACK_TIMEOUT_MS, signal: options?.signal },
  )
  const parsed = JSON.parse(stdout) as PackJson | PackJson[]
  const packed = (Array.isArray(parsed) ? parsed : [parsed]).map((p) => ({
    name: p.name,
    version: p.version,
    tarball: p.filename,
    files: p.files.map((f) => f.path).sort(),
  }))
  const missing = packages.filter((p) => !packed.some((t) => t.name === p.name))
  if (missing.length > 0) {
    throw new Error(`pnpm pack wrote no tarball for ${missing.map((p) => p.name).join(', ')}`)
  }
  return packed
}

/** The shape `pnpm pack --json` prints per package. */
interface PackJson {
  name: string
  version: string
  filename: string
  files: Array<{ path: string }>
}
