import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { userEnv } from './env.js'
import type { PackedPackage } from './pack.js'
import { runCommand } from './run.js'

/**
 * Install scripts the consumer allows: npm runs no dependency's install script
 * unless the project's `allowScripts` lists it. better-sqlite3 (peer-monitor's
 * store) must build or fetch its native addon; protobufjs's postinstall only
 * prints a notice.
 */
export const CONSUMER_ALLOW_SCRIPTS: Readonly<Record<string, boolean>> = {
  'better-sqlite3': true,
  protobufjs: false,
}

/**
 * Resolving the libp2p, Solana and gRPC trees takes about 30 s with a warm
 * cache; building better-sqlite3 from source with node-gyp about a minute
 * more on 2 idle cores. Busy cores and a cold cache multiply that.
 */
const INSTALL_TIMEOUT_MS = 10 * 60_000

/**
 * Makes `dir` (empty, outside any workspace) a project that depends on the
 * tarballs, all at once so their dependencies on each other resolve to them,
 * and runs a plain `npm install` there. Everything else comes from the
 * registry npm is configured with.
 */
export async function installTarballs(
  dir: string,
  packed: readonly PackedPackage[],
  options?: { signal?: AbortSignal },
): Promise<void> {
  const manifest = {
    name: 'paraloom-consumer',
    private: true,
    type: 'module',
    dependencies: Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`])),
    allowScripts: CONSUMER_ALLOW_SCRIPTS,
  }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    env: userEnv(),
    timeoutMs: INSTALL_TIMEOUT_MS,
    signal: options?.signal,
  })
}
