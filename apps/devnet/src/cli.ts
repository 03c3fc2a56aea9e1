/**
 * `paraloom-devnet up|init` (interfaces.md, "Devnet"; also run as
 * `paraloom devnet …`): the whole local cluster as processes on this
 * machine, or only its files (for docker-compose's one-shot genesis service).
 */

import {
  addUrlOption,
  type CliIo,
  ExitCode,
  givenUrl,
  packageVersion,
  processIo,
  routeCommander,
  runProgram,
  type UrlFlags,
  UsageError,
  watchShutdownSignals,
} from '@paraloom/cli-kit'
import { Command, Option } from 'commander'
import { findPeerMonitorBin } from './children.js'
import { DevnetError } from './errors.js'
import { type Addressing, DEVNET_TIMINGS, nthIpv4 } from './files.js'
import { DEFAULT_PORTS, MAX_DEVNET_VALIDATORS, portPlan } from './layout.js'
import { DEFAULT_KEPT_LOG_RUNS, MAX_KEPT_LOG_RUNS } from './log-rotation.js'
import { prepareDevnet } from './prepare.js'
import { devnetUp } from './up.js'

/** A whole number in [min, max] from flag `flag`, or a UsageError naming it. */
function intFlag(value: string, flag: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} ${value} is not a whole number between ${min} and ${max}`)
  }
  return n
}

interface UpFlags {
  validators: string
  dir: string
  portOffset?: string
  traffic: boolean
  blocksPerSecond: string
  statusIntervalMs: string
  readyTimeoutMs: string
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  monitor: boolean
  monitorBin?: string
  exitOnFailure: boolean
  keepLogs: string
}

interface InitFlags extends UrlFlags {
  validators: string
  dir: string
  hosts?: string
  portOffset?: string
}

const validatorsOption = (): Option =>
  new Option('--validators <n>', `number of validators (1-${MAX_DEVNET_VALIDATORS})`).default('4')
const dirOption = (): Option =>
  new Option('--dir <dir>', 'devnet directory; keypairs in it are reused').default('./devnet')
const portOffsetOption = (): Option =>
  new Option(
    '--port-offset <n>',
    `add n to every default port (p2p ${DEFAULT_PORTS.p2p}+i, gRPC ${DEFAULT_PORTS.grpc}+i, metrics ${DEFAULT_PORTS.metrics}+i, RPC ${DEFAULT_PORTS.rpc}, dashboard ${DEFAULT_PORTS.dashboard})`,
  )

function upCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('up')
    .description(
      'Run a local devnet: registry stand-in, N validators and a peer-monitor as processes on 127.0.0.1. ' +
        'Busy default ports shift every port by 100s unless --port-offset is given. Ctrl-C stops it all.',
    )
    .addOption(validatorsOption())
    .addOption(dirOption())
    .addOption(portOffsetOption())
    .option('--traffic', 'gossip blocks, votes and compute results through the validators', false)
    .option('--blocks-per-second <n>', 'heights per second of --traffic', '1')
    .option('--status-interval-ms <ms>', 'time between two rounds of status lines, in ms', '5000')
    .option('--ready-timeout-ms <ms>', 'deadline for all validators to connect, in ms', '90000')
    .addOption(
      new Option('--log-level <level>', 'log level of the validator processes')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('warn'),
    )
    .option('--no-monitor', 'do not start the peer-monitor')
    .option(
      '--monitor-bin <file>',
      'peer-monitor entry point (default: the @paraloom/peer-monitor this package depends on)',
    )
    .option(
      '--exit-on-failure',
      'stop everything and exit 1 as soon as a child dies (for CI); without it a validator that dies is reported and the rest keep running',
      false,
    )
    .option(
      '--keep-logs <n>',
      `logs of earlier runs to keep as logs/<name>.log.1 … .n (0-${MAX_KEPT_LOG_RUNS})`,
      String(DEFAULT_KEPT_LOG_RUNS),
    )
    .action(async (flags: UpFlags) => {
      const validators = intFlag(flags.validators, '--validators', 1, MAX_DEVNET_VALIDATORS)
      const blocksPerSecond = Number(flags.blocksPerSecond)
      if (!(blocksPerSecond > 0 && blocksPerSecond <= 50)) {
        throw new UsageError(`--blocks-per-second ${flags.blocksPerSecond} is not in (0, 50]`)
      }
      const options = {
        dir: flags.dir,
        validators,
        portOffset:
          flags.portOffset === undefined
            ? undefined
            : intFlag(flags.portOffset, '--port-offset', 0, 10_000),
        traffic: flags.traffic,
        blocksPerSecond,
        statusIntervalMs: intFlag(flags.statusIntervalMs, '--status-interval-ms', 200, 600_000),
        readyTimeoutMs: intFlag(flags.readyTimeoutMs, '--ready-timeout-ms', 1000, 3_600_000),
        logLevel: flags.logLevel,
        monitorBin: flags.monitor ? findPeerMonitorBin(flags.monitorBin) : undefined,
        monitorOffReason: flags.monitor ? undefined : '--no-monitor',
        exitOnFailure: flags.exitOnFailure,
        keepLogs: intFlag(flags.keepLogs, '--keep-logs', 0, MAX_KEPT_LOG_RUNS),
      }
      const shutdown = watchShutdownSignals()
      try {
        const code = await devnetUp(
          options,
          (line) => io.stdout.write(`${line}\n`),
          shutdown.signal,
        )
        setExitCode(code)
      } catch (err) {
        if (!(err instanceof DevnetError)) throw err
        io.stderr.write(`paraloom-devnet: ${err.message}\n`)
        setExitCode(ExitCode.failed)
      } finally {
        shutdown.dispose()
      }
    })
}

function initCommand(io: CliIo): Command {
  const init = new Command('init')
    .description(
      'Write a devnet directory (keypairs, reused when present; genesis files; one validator.toml each) without starting anything. ' +
        'With --hosts it is laid out for docker-compose: validator i has the i-th address, on the default ports.',
    )
    .addOption(validatorsOption())
    .addOption(dirOption())
    .option(
      '--hosts <first-ip>',
      'one IPv4 address per validator (first-ip, then the next ones), each on the default ports',
    )
  return addUrlOption(
    init,
    'Solana JSON-RPC URL the validators read the registry from (alias --rpc-url)',
  )
    .addOption(portOffsetOption())
    .action(async (flags: InitFlags) => {
      const validators = intFlag(flags.validators, '--validators', 1, MAX_DEVNET_VALIDATORS)
      const offset =
        flags.portOffset === undefined ? 0 : intFlag(flags.portOffset, '--port-offset', 0, 10_000)
      const plan = portPlan(validators, offset)
      const given = givenUrl(flags)
      const rpcUrl = given?.url ?? `http://127.0.0.1:${plan.rpc}`
      try {
        new URL(rpcUrl)
      } catch {
        // Named as the operator spelled it (an alias included).
        throw new UsageError(`${given?.flag ?? '--url'} ${rpcUrl} is not a URL`)
      }
      try {
        await prepareDevnet({
          dir: flags.dir,
          validators,
          network: 'devnet',
          addressing: addressingOf(flags.hosts, validators),
          plan,
          rpcUrl,
          timings: DEVNET_TIMINGS,
          print: (line) => io.stdout.write(`${line}\n`),
        })
      } catch (err) {
        if (err instanceof DevnetError) throw new UsageError(err.message)
        throw err
      }
    })
}

function addressingOf(firstIp: string | undefined, validators: number): Addressing {
  if (firstIp === undefined) return { kind: 'loopback' }
  try {
    nthIpv4(firstIp, validators - 1)
  } catch (err) {
    throw new UsageError(`--hosts ${firstIp}: ${(err as Error).message}`)
  }
  return { kind: 'hosts', firstIp }
}

/** Builds the `paraloom-devnet` command tree; no command calls `process.exit`. */
export function buildCli(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('paraloom-devnet')
    .description('A local Paraloom network: `up` runs it, `init` only writes its files.')
    .version(packageVersion(import.meta.url), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(upCommand(io, setExitCode))
    .addCommand(initCommand(io))
  // Commander's own usage errors (unknown flag, missing value) become exit 2 everywhere.
  routeCommander(program, io)
  return program
}

/** Runs the CLI on `argv` (without the node and script entries) and resolves the exit code. */
export function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram((setExitCode) => buildCli(io, setExitCode), argv, io)
}
