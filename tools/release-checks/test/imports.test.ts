import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  importedPackages,
  packageOf,
  reachablePackages,
  undeclaredImports,
} from '../src/imports.js'
import { repoRoot } from '../src/workspace.js'

describe('packageOf', () => {
  it.each([
    ['libp2p', 'libp2p'],
    ['@libp2p/tcp', '@libp2p/tcp'],
    ['@bufbuild/protobuf/wire', '@bufbuild/protobuf'],
    ['uint8arrays/concat', 'uint8arrays'],
    ['./local.js', undefined],
    ['../up.js', undefined],
    ['/abs/path.js', undefined],
    ['#internal', undefined],
  ])('%s → %s', (specifier, expected) => {
    expect(packageOf(specifier)).toBe(expected)
  })
})

describe('importedPackages', () => {
  it('finds static, side-effect, re-export, dynamic, require and type imports', () => {
    const source = [
      "import { a } from 'alpha'",
      "import 'beta/polyfill'",
      "export { c } from '@scope/gamma'",
      "export * from './relative.js'",
      "const d = await import('delta')",
      'const e = require("epsilon")',
      "import type { F } from '@scope/zeta/sub'",
      "export declare function g(): import('eta').Eta",
    ].join('\n')
    expect([...importedPackages(source)].sort()).toEqual([
      '@scope/gamma',
      '@scope/zeta',
      'alpha',
      'beta',
      'delta',
      'epsilon',
      'eta',
    ])
  })

  it("leaves out Node's built-ins, with and without node:", () => {
    const source = "import fs from 'node:fs'\nimport { join } from 'path'\nimport 'node:test'"
    expect(importedPackages(source).size).toBe(0)
  })

  it('ignores look-alikes in strings and comments (JSDoc examples)', () => {
    const source = [
      "const labels = ['from', 'to']",
      "const sql = 'SELECT a FROM t, u'",
      "// import { x } from 'commented'",
      'const s = "import \'quoted\'"',
    ].join('\n')
    expect(importedPackages(source).size).toBe(0)
  })

  it('ignores imports inside block comments (JSDoc examples)', () => {
    const source = "/**\n * @example\n * import { x } from 'documented'\n */\nexport const y = 1\n"
    expect(importedPackages(source).size).toBe(0)
  })
})

describe('undeclaredImports', () => {
  let pkg: string
  beforeAll(async () => {
    pkg = await mkdtemp(join(tmpdir(), 'paraloom-imports-'))
    await mkdir(join(pkg, 'dist', 'sub'), { recursive: true })
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@x/self',
        dependencies: { declared: '^1.0.0' },
        peerDependencies: { peer: '^1.0.0' },
        optionalDependencies: { optional: '^1.0.0' },
        devDependencies: { 'dev-only': '^1.0.0' },
      }),
    )
    await writeFile(
      join(pkg, 'dist', 'index.js'),
      "import 'declared'\nimport 'peer'\nimport 'optional'\nimport '@x/self'\nimport 'node:fs'\n",
    )
    await writeFile(join(pkg, 'dist', 'sub', 'a.js'), "import 'dev-only'\n")
    await writeFile(join(pkg, 'dist', 'sub', 'a.d.ts'), "import type { T } from 'types-only'\n")
    await writeFile(join(pkg, 'dist', 'sub', 'a.js.map'), '{"sources":["import \'mapped\'"]}')
  })
  afterAll(async () => {
    await rm(pkg, { recursive: true, force: true })
  })

  it('reports dev-only and undeclared type imports with their files, and nothing else', async () => {
    expect(await undeclaredImports(pkg)).toEqual([
      'dev-only (dist/sub/a.js)',
      'types-only (dist/sub/a.d.ts)',
    ])
  })
})

describe('reachablePackages', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraloom-reachable-'))
    await mkdir(join(dir, 'sub'))
    await mkdir(join(dir, 'aside'))
    await writeFile(join(dir, 'index.js'), "import 'alpha'\nexport * from './sub/a.js'\n")
    // A cycle back to the entry, a built-in, and a package the entry does not reach.
    await writeFile(
      join(dir, 'sub', 'a.js'),
      "import '../index.js'\nimport 'node:fs'\nconst b = await import('@scope/beta/deep')\n",
    )
    await writeFile(join(dir, 'aside', 'server.js'), "import { WebSocketServer } from 'ws'\n")
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('follows relative imports through cycles and collects the packages, built-ins left out', async () => {
    expect([...(await reachablePackages(join(dir, 'index.js')))].sort()).toEqual([
      '@scope/beta',
      'alpha',
    ])
  })

  it('starts from any file: a subpath entry reaches its own packages', async () => {
    expect([...(await reachablePackages(join(dir, 'aside', 'server.js')))]).toEqual(['ws'])
  })
})

describe('@paraloom/registry entry points (built)', () => {
  const registry = join(repoRoot, 'packages', 'registry')
  const entry = async (subpath: string): Promise<string> => {
    const manifest = JSON.parse(await readFile(join(registry, 'package.json'), 'utf8')) as {
      exports: Record<string, { import: string }>
    }
    return join(registry, manifest.exports[subpath]!.import)
  }

  it("the main entry point does not load ws (the stand-in's websocket library)", async () => {
    expect(await reachablePackages(await entry('.'))).not.toContain('ws')
  })

  it('the ./stand-in subpath serves the stand-in, which loads ws', async () => {
    expect(await reachablePackages(await entry('./stand-in'))).toContain('ws')
  })
})
