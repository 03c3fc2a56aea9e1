// The built `paraloom-devnet`, and `paraloom devnet` delegating to it: the
// flags an operator meets first, through real processes.
import { readFileSync } from 'node:fs'
import { describe, expect, it, jest } from '@jest/globals'
import { paraloomBin } from '../src/children.js'
import { runDevnetCli } from './helpers/devnet.js'

// Each case starts a CLI as a process: seconds on a loaded machine.
jest.setTimeout(300_000)

describe('paraloom-devnet', () => {
  it('init --help offers -u, --url and hides the old spellings', () => {
    const r = runDevnetCli(['init', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Usage: paraloom-devnet init /m)
    expect(r.stdout).toMatch(/^ {2}-u, --url <url> /m)
    expect(r.stdout).not.toMatch(/^ {2}--rpc(-url)? </m)
  })

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(runDevnetCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })
})

describe('paraloom devnet, the thin entry in the paraloom CLI', () => {
  it('runs the @paraloom/devnet that Node finds from paraloom: same help, same exit code', () => {
    const own = runDevnetCli(['init', '--help'])
    const delegated = runDevnetCli(['devnet', 'init', '--help'], paraloomBin())
    expect(delegated).toEqual(own)
  })

  it('passes a usage error through as the devnet reports it (exit 2, one line)', () => {
    const r = runDevnetCli(['devnet', 'up', '--validators', '0'], paraloomBin())
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toEqual([
      'paraloom-devnet: --validators 0 is not a whole number between 1 and 16',
    ])
  })
})
