// The child-process tests import the built package: build it first.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function buildDist() {
  // Unit tests import the sources only.
  if (process.env.PARALOOM_TESTS === 'unit') return
  const cwd = fileURLToPath(new URL('..', import.meta.url))
  execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-p', 'tsconfig.build.json'],
    {
      cwd,
      stdio: 'inherit',
    },
  )
}
