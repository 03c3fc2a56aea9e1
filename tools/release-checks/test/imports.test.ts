import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { importedPackages, packageOf, undeclaredImports } from '../src/imports.js'

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
