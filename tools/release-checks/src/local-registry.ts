import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import semver from 'semver'
import type { PackedPackage } from './pack.js'
import { runCommand } from './run.js'
import { repoRoot } from './workspace.js'

/** One version a registry serves: its manifest and where its files are. */
interface Served {
  manifest: Record<string, unknown> & { name: string; version: string }
  /** A packed `.tgz`, served as is. */
  tarball?: string
  /** An unpacked package directory, tarred on request. */
  dir?: string
}

/** A package registry on 127.0.0.1 that npm installs from without the network. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/`, for npm's `--registry`. */
  url: string
  stop(): Promise<void>
}

/** Where pnpm laid out every installed package of this workspace. */
const PNPM_VIRTUAL_STORE = join(repoRoot, 'node_modules', '.pnpm')

/**
 * Every package of the workspace's install (`node_modules/.pnpm/<id>/node_modules/<name>`,
 * the directories, not the links between them), by name and version.
 */
export async function storePackages(storeDir = PNPM_VIRTUAL_STORE): Promise<Served[]> {
  const found = new Map<string, Served>()
  for (const id of await readdir(storeDir)) {
    const modules = join(storeDir, id, 'node_modules')
    let names: string[]
    try {
      names = await readdir(modules)
    } catch {
      continue // `.pnpm/lock.yaml`, `.pnpm/node_modules`
    }
    for (const entry of names) {
      const dirs = entry.startsWith('@')
        ? (await readdir(join(modules, entry))).map((n) => join(modules, entry, n))
        : [join(modules, entry)]
      for (const dir of dirs) {
        if ((await lstat(dir)).isSymbolicLink()) continue
        const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
        const key = `${manifest.name}@${manifest.version}`
        if (!found.has(key)) found.set(key, { manifest, dir })
      }
    }
  }
  return [...found.values()]
}

/** The packed tarballs as served versions (their manifests as packed: ranges rewritten). */
export async function packedPackages(packed: readonly PackedPackage[]): Promise<Served[]> {
  return Promise.all(
    packed.map(async (p) => {
      const { stdout } = await runCommand('tar', ['-xzOf', p.tarball, 'package/package.json'], {
        cwd: repoRoot,
        env: process.env,
        timeoutMs: 30_000,
      })
      return { manifest: JSON.parse(stdout), tarball: p.tarball }
    }),
  )
}

/**
 * Serves `packages` the way npm reads a registry: `GET /<name>` answers the
 * package document (every version held, `latest` the highest), and each
 * version's `dist.tarball` points back here. A directory is tarred on
 * request into `package/…`, as `npm pack` lays a tarball out. A name it
 * does not hold is 404, as a registry answers an unknown name.
 */
export async function startLocalRegistry(packages: readonly Served[]): Promise<LocalRegistry> {
  const byName = new Map<string, Map<string, Served>>()
  for (const p of packages) {
    const versions = byName.get(p.manifest.name) ?? new Map<string, Served>()
    versions.set(p.manifest.version, p)
    byName.set(p.manifest.name, versions)
  }
  let base = ''

  const packument = (name: string, versions: Map<string, Served>) => {
    const sorted = [...versions.keys()].sort(semver.compare)
    return {
      name,
      'dist-tags': { latest: sorted.at(-1) },
      versions: Object.fromEntries(
        sorted.map((v) => [
          v,
          {
            ...versions.get(v)!.manifest,
            dist: { tarball: `${base}-/tarballs/${encodeURIComponent(name)}/${v}.tgz` },
          },
        ]),
      ),
    }
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', base).pathname)
    const tarball = /^\/-\/tarballs\/(.+)\/([^/]+)\.tgz$/.exec(path)
    if (tarball !== null) {
      const served = byName.get(tarball[1]!)?.get(tarball[2]!)
      if (served === undefined) {
        notFound(res)
        return
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      if (served.tarball !== undefined) {
        createReadStream(served.tarball).pipe(res)
        return
      }
      // GNU tar: `./x` becomes `package/x`; a package's own node_modules is not part of it.
      // Files pnpm hard-linked (its store, a build's copies) go in whole: npm skips link entries.
      const tar = spawn(
        'tar',
        [
          '-czf',
          '-',
          '-C',
          served.dir!,
          '--exclude=./node_modules',
          '--hard-dereference',
          '--transform=s,^\\.,package,',
          '.',
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      )
      tar.stdout.pipe(res)
      tar.once('error', () => res.destroy())
      return
    }
    const name = path.slice(1)
    const versions = byName.get(name)
    if (versions === undefined) {
      notFound(res)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(packument(name, versions)))
  }

  const server = createServer(handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url: base,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' })
  res.end('{"error":"Not found"}')
}
