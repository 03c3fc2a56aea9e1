/**
 * `paraloom peers`: who a running validator sees, and in what state, from its
 * PeerMonitor gRPC service (like `solana gossip`). `--watch` follows every
 * transition until Ctrl-C, across disconnects and node restarts.
 */
import { type ServiceError, status } from '@grpc/grpc-js'
import {
  type CliIo,
  ExitCode,
  integerFlag,
  parseHostPort,
  watchShutdownSignals,
} from '@paraloom/cli-kit'
import type { PeerEvent } from '@paraloom/proto'
import { Command, Option } from 'commander'
import { loadConfig } from '../config/index.js'
import { connectValidator, listPeers } from '../grpc/clients.js'
import { followPeers } from '../peers/follow.js'
import {
  gapJson,
  gapLine,
  peerJson,
  peerTable,
  sortedPeers,
  transitionJson,
  transitionLine,
} from '../peers/format.js'

/** The gRPC address a validator listens on by default ([grpc] listen). */
const DEFAULT_GRPC = '127.0.0.1:50051'

interface PeersFlags {
  grpc?: string
  config?: string
  json?: boolean
  watch?: boolean
  timeoutMs: number
}

export function peersCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('peers')
    .description(
      "List a running validator's peers: validator identity, peer id, state, for how long, RTT and missed pings.",
    )
    .addOption(
      new Option(
        '--grpc <host:port>',
        `the validator's gRPC address (default: ${DEFAULT_GRPC})`,
      ).conflicts('config'),
    )
    .option(
      '--config <file>',
      "read the gRPC address from the validator's validator.toml ([grpc] listen)",
    )
    .option('--json', 'one JSON object per peer (validator, peer_id, state, rtt_ms, since_ms, ...)')
    .option(
      '--watch',
      'then print every transition as it happens, until Ctrl-C; reconnects and resumes',
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'how long to wait for the validator, in ms')
        .argParser(integerFlag('--timeout-ms', 1, 600_000))
        .default(5000),
    )
    .action(async (flags: PeersFlags) => {
      const address = await grpcAddress(flags)
      if (flags.watch === true) await watch(io, address, flags)
      else setExitCode(await listOnce(io, address, flags))
    })
}

/** `--grpc`, else `[grpc] listen` of `--config` (a wildcard host means this machine), else the default. */
async function grpcAddress(flags: PeersFlags): Promise<string> {
  if (flags.grpc !== undefined) {
    parseHostPort('--grpc', flags.grpc)
    return flags.grpc
  }
  if (flags.config === undefined) return DEFAULT_GRPC
  const config = await loadConfig(flags.config)
  const { host, port } = parseHostPort('[grpc] listen', config.grpc.listen)
  if (host === '0.0.0.0') return `127.0.0.1:${port}`
  if (host === '::') return `[::1]:${port}`
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

async function listOnce(io: CliIo, address: string, flags: PeersFlags): Promise<number> {
  const clients = connectValidator(address)
  try {
    const res = await listPeers(clients.peerMonitor, { deadlineMs: flags.timeoutMs })
    if (flags.json === true) {
      for (const p of sortedPeers(res.peers)) io.stdout.write(`${JSON.stringify(peerJson(p))}\n`)
    } else {
      io.stdout.write(`${peerTable(res, Date.now())}\n`)
    }
    return ExitCode.ok
  } catch (err) {
    io.stderr.write(
      `paraloom: peers: ${address}: ${callProblem(err as ServiceError, flags.timeoutMs)}\n`,
    )
    return ExitCode.failed
  } finally {
    clients.close()
  }
}

async function watch(io: CliIo, address: string, flags: PeersFlags): Promise<void> {
  const json = flags.json === true
  const out = (line: string): void => {
    io.stdout.write(`${line}\n`)
  }
  const onEvent = (event: PeerEvent): void => {
    const e = event.event
    if (e === undefined) return
    if (e.$case === 'snapshot') {
      if (json) {
        for (const p of sortedPeers(e.value.peers))
          out(JSON.stringify({ event: 'peer', ...peerJson(p) }))
      } else {
        out(peerTable({ ...e.value, observer: event.observer }, Date.now()))
      }
    } else if (e.$case === 'transition') {
      out(json ? JSON.stringify(transitionJson(e.value)) : transitionLine(e.value))
    } else {
      out(json ? JSON.stringify(gapJson(e.value)) : gapLine(e.value))
    }
  }
  const shutdown = watchShutdownSignals()
  try {
    await followPeers({
      address,
      signal: shutdown.signal,
      connectTimeoutMs: flags.timeoutMs,
      onEvent,
      onStatus: (s) => {
        if (s.connected) {
          const resume =
            s.resumeAfter === undefined ? '' : `, resuming after transition ${s.resumeAfter}`
          io.stderr.write(`paraloom: peers: watching ${address}${resume}\n`)
        } else {
          io.stderr.write(
            `paraloom: peers: ${address}: ${s.error}; reconnecting in ${(s.retryInMs / 1000).toFixed(1)} s\n`,
          )
        }
      },
    })
  } finally {
    shutdown.dispose()
  }
}

/** A failed ListPeers in the operator's words. */
function callProblem(err: ServiceError, timeoutMs: number): string {
  if (err.code === status.DEADLINE_EXCEEDED)
    return `no answer within ${timeoutMs} ms (is a validator's gRPC server listening there?)`
  if (err.code === status.UNAVAILABLE) return `unreachable (${err.details || err.message})`
  return err.details || err.message
}
