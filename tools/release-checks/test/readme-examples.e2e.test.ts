import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { firstTypeScriptBlock, readmeExample, typecheckExamples } from '../src/readme-examples.js'
import { CommandError } from '../src/run.js'
import { repoRoot } from '../src/workspace.js'

describe('firstTypeScriptBlock', () => {
  it.each([
    ['a ts block', '# x\n\n```ts\nconst a = 1\n```\n', 'const a = 1'],
    [
      'a typescript block',
      '```typescript\nconst a = 1\nconst b = 2\n```',
      'const a = 1\nconst b = 2',
    ],
    ['the first of two', '```ts\nfirst()\n```\n```ts\nsecond()\n```', 'first()'],
    [
      'after blocks in other languages',
      '```sh\npnpm i\n```\n```json\n{}\n```\n```ts\nok()\n```',
      'ok()',
    ],
    [
      'a ts fence inside a longer sh fence is not a block',
      '````sh\n```ts\nno()\n```\n````\n```ts\nyes()\n```',
      'yes()',
    ],
    ['a tilde fence', '~~~ts\nconst t = 1\n~~~', 'const t = 1'],
    ['an info string with attributes', '```ts title="example.ts"\nattr()\n```', 'attr()'],
    ['an upper-case language', '```TS\nupper()\n```', 'upper()'],
    ['CRLF line ends', '```ts\r\ncrlf()\r\n```\r\n', 'crlf()'],
    ['an unclosed block runs to the end', '```ts\nopen()\nstill()', 'open()\nstill()'],
    ['an empty block', '```ts\n```', ''],
  ])('finds %s', (_, markdown, expected) => {
    expect(firstTypeScriptBlock(markdown)).toBe(expected)
  })

  it.each([
    ['no fence at all', '# Title\n\nconst a = 1\n'],
    ['only other languages', '```js\nx()\n```\n```sh\ny\n```'],
    ['a fence without a language', '```\nbare()\n```'],
    ['a ts fence inside an unclosed sh fence', '```sh\n```ts\nno()\n'],
    ['the empty string', ''],
  ])('finds nothing in %s', (_, markdown) => {
    expect(firstTypeScriptBlock(markdown)).toBeUndefined()
  })
})

describe('readmeExample', () => {
  it.each([
    'packages/codec',
    'packages/registry',
    'packages/p2p',
    'packages/proto',
  ])('%s/README.md has a TypeScript example that imports its package', async (dir) => {
    const example = await readmeExample('pkg', join(repoRoot, dir))
    expect(example.code).toMatch(/from '@paraloom\/[a-z0-9-]+'/)
  })

  it('names the README that has no example', async () => {
    await expect(readmeExample('pkg', join(repoRoot, 'tools/release-checks'))).rejects.toThrow(
      /release-checks\/README\.md/,
    )
  })
})

describe('typecheckExamples', () => {
  let project: string
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'paraloom-readme-examples-'))
    await writeFile(join(project, 'package.json'), '{ "type": "module", "private": true }\n')
  })
  afterAll(async () => {
    await rm(project, { recursive: true, force: true })
  })

  it('accepts a strict ESM example with top-level await and Node types', async () => {
    const code = "import { setTimeout } from 'node:timers/promises'\nawait setTimeout(1)\n"
    await expect(typecheckExamples(project, [{ packageName: '@x/ok', code }])).resolves.toBe(
      undefined,
    )
  })

  it('rejects a type error, naming the example file and line', async () => {
    const code = 'const a = 1\nconst n: number = "not a number"\nconsole.log(a, n)\n'
    const failure = typecheckExamples(project, [{ packageName: '@x/broken', code }])
    await expect(failure).rejects.toThrow(CommandError)
    await expect(failure).rejects.toThrow(/x-broken\.ts\(2,7\).*TS2322/)
  })

  it('rejects an import of a package the project does not have', async () => {
    const code = "import { nothing } from '@paraloom/not-installed'\nconsole.log(nothing)\n"
    await expect(typecheckExamples(project, [{ packageName: '@x/missing', code }])).rejects.toThrow(
      /TS2307/,
    )
  })
})
