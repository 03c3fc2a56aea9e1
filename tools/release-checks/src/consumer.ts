import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { userEnv } from './env.js'
import type { PackedPackage } from './pack.js'
import { runCommand } from './run.js'

/**
 * Install scripts the consumer allows: npm runs no dependency's install script
 * unless the project's `allowScripts` lists it. better-sqlite3 (peer-monitor's
 * store) must build its native addon; protobufjs's postinstall only prints a
 * notice.
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

/** Where npm installs from: a registry (the local one) and a cache of its own. */
export interface NpmSource {
  /** `--registry` URL. */
  registry: string
  /** `--cache` directory: an empty one proves nothing came from an earlier download. */
  cache: string
}

/**
 * The environment of an install: a user's shell, and better-sqlite3's
 * prebuild-install told to build from source rather than try to download a
 * prebuilt addon (the install reaches no network).
 */
function installEnv(): NodeJS.ProcessEnv {
  return { ...userEnv(), npm_config_build_from_source: 'true' }
}

/** npm's flags for `source`, and no audit, funding or update check (each would reach out). */
export function npmFlags(source: NpmSource): string[] {
  return [
    `--registry=${source.registry}`,
    `--cache=${source.cache}`,
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--fetch-retries=0',
  ]
}

/**
 * Makes `dir` (empty, outside any workspace) a project that depends on the
 * tarballs, all at once so their dependencies on each other resolve to them,
 * and runs a plain `npm install` there, everything else coming from `source`.
 */
export async function installTarballs(
  dir: string,
  packed: readonly PackedPackage[],
  source: NpmSource,
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
  await runCommand('npm', ['install', ...npmFlags(source)], {
    cwd: dir,
    env: installEnv(),
    timeoutMs: INSTALL_TIMEOUT_MS,
    signal: options?.signal,
  })
}

/**
 * `npm install -g --prefix <prefix>` of the tarballs, everything else from
 * `source`, as a user installs the CLIs: each lands in
 * `<prefix>/lib/node_modules` with its own tree and a link in `<prefix>/bin`.
 */
export async function installGlobally(
  prefix: string,
  tarballs: readonly string[],
  source: NpmSource,
  options?: { signal?: AbortSignal },
): Promise<void> {
  // As npm advises for a global install whose dependencies have install scripts.
  const allowed = Object.keys(CONSUMER_ALLOW_SCRIPTS).filter((name) => CONSUMER_ALLOW_SCRIPTS[name])
  const args = ['install', '--global', `--prefix=${prefix}`, `--allow-scripts=${allowed.join(',')}`]
  await runCommand('npm', [...args, ...npmFlags(source), ...tarballs], {
    cwd: prefix,
    env: installEnv(),
    timeoutMs: INSTALL_TIMEOUT_MS,
    signal: options?.signal,
  })
}
