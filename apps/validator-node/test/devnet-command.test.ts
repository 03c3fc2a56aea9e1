// `paraloom devnet …`, the thin entry that runs @paraloom/devnet: what it
// passes on, and what it says when the package is not installed. The real
// package, resolved at run time, is exercised from apps/devnet's tests.
import { describe, expect, it } from '@jest/globals'
import { type CliMain, routeCommander, runProgram } from '@paraloom/cli-kit'
import { Command } from 'commander'
import { DEVNET_PACKAGE, devnetCommand, type LoadDevnet } from '../src/commands/devnet.js'
import { type CliResult, runCliCapture } from './helpers/cli.js'

/** `paraloom` with only its devnet entry, loading the devnet with `load`. */
function run(argv: string[], load: LoadDevnet): Promise<CliResult> {
  const main: CliMain = (args, io) =>
    runProgram(
      (setExitCode) =>
        routeCommander(
          new Command('paraloom').addCommand(devnetCommand(io, setExitCode, load)),
          io,
        ),
      args,
      io,
    )
  return runCliCapture(argv, '', main)
}

/** The error Node's import gives for a package it cannot find. */
const notFound = (specifier: string): Error =>
  Object.assign(new Error(`Cannot find package '${specifier}' imported from /x/devnet.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  })

describe('paraloom devnet', () => {
  it.each([
    [
      ['devnet', 'up', '--validators', '2', '--traffic'],
      ['up', '--validators', '2', '--traffic'],
    ],
    [
      ['devnet', '--port-offset', '5', 'up'],
      ['--port-offset', '5', 'up'],
    ],
    [
      ['devnet', 'init', '--help'],
      ['init', '--help'],
    ],
    [['devnet'], []],
  ])('%j runs the devnet CLI on %j and exits with its code', async (argv, passed) => {
    const calls: Array<readonly string[]> = []
    const runCli: CliMain = async (args) => {
      calls.push(args)
      return 3
    }
    const r = await run(argv, async () => ({ runCli }))
    expect(calls).toEqual([passed])
    expect(r.code).toBe(3)
  })

  it.each([
    ['--help'],
    ['-h'],
  ])('devnet %s describes this entry without loading the devnet', async (flag) => {
    const r = await run(['devnet', flag], async () => {
      throw new Error('must not be loaded')
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Usage: paraloom devnet /)
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(`runs paraloom-devnet from ${DEVNET_PACKAGE}`)
  })

  it('names the package to install when it is not installed: one line, exit 1', async () => {
    const r = await run(['devnet', 'up'], async () => {
      throw notFound(DEVNET_PACKAGE)
    })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`${DEVNET_PACKAGE} is not installed: install it beside paraloom`),
    ])
  })

  it('does not take a broken install for a missing one: what the devnet itself lacks is thrown', async () => {
    await expect(
      run(['devnet', 'up'], async () => {
        throw notFound('smol-toml')
      }),
    ).rejects.toThrow("Cannot find package 'smol-toml'")
  })
})
