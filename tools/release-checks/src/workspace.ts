import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { userEnv } from './env.js'
import { runCommand } from './run.js'

/** The monorepo root (this file is `tools/release-checks/src/workspace.ts`). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** A workspace package that is published on its own. */
export interface PublishablePackage {
  name: string
  version: string
  /** Absolute directory. */
  dir: string
}

/**
 * `npx -y pnpm@<version>`, the version pinned by the root `packageManager`
 * field: what the README tells a fresh machine to run.
 */
export async function pnpmCommand(): Promise<{ command: string; args: string[] }> {
  const root = JSON.parse(await readFile(`${repoRoot}package.json`, 'utf8')) as {
    packageManager?: string
  }
  const pinned = root.packageManager
  if (pinned === undefined || !pinned.startsWith('pnpm@')) {
    throw new Error(`${repoRoot}package.json: packageManager is ${pinned}, expected pnpm@<version>`)
  }
  return { command: 'npx', args: ['-y', pinned] }
}

/** Every workspace package that is not `private`, as pnpm lists them. */
export async function publishablePackages(options?: {
  signal?: AbortSignal
}): Promise<PublishablePackage[]> {
  const pnpm = await pnpmCommand()
  const { stdout } = await runCommand(
    pnpm.command,
    [...pnpm.args, 'ls', '--recursive', '--depth', '-1', '--json'],
    { cwd: repoRoot, env: userEnv(), timeoutMs: 60_000, signal: options?.signal },
  )
  const listed = JSON.parse(stdout) as Array<{
    name?: string
    version?: string
    private?: boolean
    path: string
  }>
  return listed
    .filter((p) => p.private !== true && p.name !== undefined && p.version !== undefined)
    .map((p) => ({ name: p.name!, version: p.version!, dir: p.path }))
    .sort((a, b) => a.name.localeCompare(b.name))
}
