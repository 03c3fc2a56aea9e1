import { access, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { userEnv } from '../src/env.js'
import { runCommand } from '../src/run.js'
import { repoRoot } from '../src/workspace.js'

// `pnpm docs` writes to docs/api; this run writes to a temporary directory.
describe('API documentation (typedoc.json)', () => {
  let out: string
  let output: string
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'paraloom-api-docs-'))
    const typedoc = join(
      dirname(createRequire(join(repoRoot, 'package.json')).resolve('typedoc/package.json')),
      'bin',
      'typedoc',
    )
    const { stdout, stderr } = await runCommand(process.execPath, [typedoc, '--out', out], {
      cwd: repoRoot,
      env: userEnv(),
      timeoutMs: 180_000,
    })
    output = stdout + stderr
  }, 200_000)
  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true })
  })

  it('generates from the library sources without errors', () => {
    expect(output).toMatch(/Found 0 errors/)
  })

  it.each(['codec', 'registry', 'p2p'])('has a page for @paraloom/%s', async (name) => {
    await expect(access(join(out, '_paraloom', `${name}.html`))).resolves.toBeUndefined()
  })
})
