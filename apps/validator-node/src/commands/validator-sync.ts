import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { type CliIo, createLogger, UsageError, watchShutdownSignals } from '@paraloom/cli-kit'
import { type Logger, NETWORKS, type SeedPeer } from '@paraloom/interface'
import {
  createRequestClient,
  type PeerTarget,
  parsePeer,
  StaticDirectory,
  solanaAddressFromPublicKey,
} from '@paraloom/p2p'
import { type Address, isAddress, RegistryRpcError, readRegistryOnce } from '@paraloom/registry'
import { Command, Option } from 'commander'
import { loadConfig, type ValidatorConfig } from '../config/index.js'
import type { Keypair } from '../keypair.js'
import { BLOCK_LOG_FILE } from '../sync/block-log.js'
import { type CatchUpResult, SyncError } from '../sync/catch-up.js'
import { printable, StateSync } from '../sync/state-sync.js'
import { readKeypairForCommand } from './keypair-file.js'

interface SyncFlags {
  config?: string
  network?: string
  keypair?: string
  stateDir?: string
  rpcUrl?: string
  programId?: string
  fromPeer: PeerFlag
  fromHeight?: bigint
  timeoutMs?: number
}

function heightFlag(value: string): bigint {
  if (!/^\d{1,20}$/.test(value) || BigInt(value) >= 2n ** 64n) {
    throw new UsageError(`--from-height: ${JSON.stringify(value)} is not a u64 height`)
  }
  return BigInt(value)
}

function timeoutFlag(value: string): number {
  const ms = /^\d{1,9}$/.test(value) ? Number(value) : 0
  if (ms < 1)
    throw new UsageError(`--timeout-ms: ${JSON.stringify(value)} is not a positive integer`)
  return ms
}

/**
 * `paraloom validator sync`: before starting a validator that was down,
 * fetch the blocks it missed from one peer, check each (network, proposer
 * in the registry, signature) and keep them in its state directory, where
 * `validator start` loads them.
 *
 * It connects with the validator's own identity (in `validators` admission
 * that is the identity the peer admits) through a fetch-only client: no
 * listener, gossip, DHT record or liveness of its own (p2p request-client.ts
 * says why a full node does not do here).
 */
export function validatorSyncCommand(io: CliIo): Command {
  return new Command('sync')
    .description(
      'Fetch missed blocks from a peer into the state directory, checking each against the registry.',
    )
    .requiredOption(
      '--from-peer <peer>',
      'who to ask: a PeerId, a validator identity, or a multiaddr ending in /p2p/<PeerId>',
      peerFlag,
    )
    .option(
      '--from-height <height>',
      'first height to fetch (default: one past the highest block kept)',
      heightFlag,
    )
    .option(
      '--timeout-ms <ms>',
      'deadline of each request, dial included (default 10000)',
      timeoutFlag,
    )
    .option('--config <file>', 'validator.toml (flags override it)')
    .addOption(new Option('--network <net>', 'Paraloom network').choices(NETWORKS))
    .option('--keypair <file>', 'identity keypair file ([identity] keypair)')
    .option('--state-dir <dir>', 'where the blocks are kept (state_dir)')
    .option('--rpc-url <url>', 'Solana JSON-RPC URL ([registry] rpc_url)')
    .option('--program-id <address>', 'registry program id ([registry] program_id)')
    .action(async (opts: SyncFlags) => {
      const config = await loadConfig(opts.config, {
        network: opts.network,
        state_dir: opts.stateDir,
        identity: { keypair: opts.keypair },
        registry: { rpc_url: opts.rpcUrl, program_id: opts.programId },
      })
      if (!config.sync.persist) {
        throw new UsageError('sync.persist is false: nothing would keep the fetched blocks')
      }
      const programId = config.registry.programId
      if (!isAddress(programId)) {
        throw new UsageError(
          'registry.program_id is not set: set it in validator.toml or pass --program-id',
        )
      }
      const keypair = await readKeypairForCommand(config.identity.keypairPath)
      // Progress and problems on stderr; the result alone on stdout.
      const logger = createLogger({ out: io.stderr, format: 'text', level: 'info' })
      const shutdown = watchShutdownSignals()
      try {
        const run = { config, programId, keypair, logger, opts }
        const result = await syncFromPeer(run, shutdown.signal)
        const r = printable(result)
        io.stdout.write(
          `synced from ${opts.fromPeer.text}: kept ${r.kept} new blocks` +
            (result.firstHeight === undefined
              ? ''
              : `, heights ${r.firstHeight}..${r.lastHeight}`) +
            `, peer tip ${r.peerTip}, ${r.requests} requests${result.complete ? '' : ' (incomplete)'}` +
            ` into ${join(config.stateDir, BLOCK_LOG_FILE)}\n`,
        )
      } finally {
        shutdown.dispose()
      }
    })
}

interface SyncRun {
  config: ValidatorConfig
  programId: Address
  keypair: Keypair
  logger: Logger
  opts: SyncFlags
}

/** Reads the registry, then fetches from the peer into the state directory's block log. */
async function syncFromPeer(run: SyncRun, signal: AbortSignal): Promise<CatchUpResult> {
  const { config, keypair, logger, opts } = run
  const { target, text: peer } = opts.fromPeer
  const directory = new StaticDirectory(await readSeeds(config, run.programId, signal))
  const identity = solanaAddressFromPublicKey(keypair.publicKey)
  if (config.p2p.admission === 'validators' && !directory.isActiveValidator(keypair.publicKey)) {
    logger.warn('this identity is not an active validator: peers may refuse its connection', {
      identity,
    })
  }
  const client = await createRequestClient({
    network: config.network,
    privateKey: new Uint8Array([...keypair.secretKey, ...keypair.publicKey]),
    directory,
    admission: config.p2p.admission,
    allow: config.p2p.allow,
    requestTimeoutMs: opts.timeoutMs,
  })
  await mkdir(config.stateDir, { recursive: true })
  const sync = new StateSync({
    config: config.sync,
    stateDir: config.stateDir,
    network: config.network,
    logger,
  })
  try {
    sync.open()
    await client.start()
    const from = opts.fromHeight ?? sync.store.tipHeight() + 1n
    logger.info('fetching blocks', { identity, peer, fromHeight: String(from) })
    return await sync.catchUpFrom(client, target, from, (key) => directory.isActiveValidator(key), {
      signal,
    })
  } catch (err) {
    if (signal.aborted) throw new Error(`sync from ${peer} stopped (${signal.reason})`)
    const kept = 'blocks checked before the failure stay kept'
    if (err instanceof SyncError) {
      throw new Error(`sync from ${peer}: the peer served a bad block: ${err.message} (${kept})`)
    }
    throw new Error(`sync from ${peer} failed: ${(err as Error).message} (${kept})`)
  } finally {
    await client.stop()
    sync.close()
  }
}

/** The registry's validators, read once: blocks are checked against them and their addresses dialled. */
async function readSeeds(
  config: ValidatorConfig,
  programId: Address,
  signal: AbortSignal,
): Promise<SeedPeer[]> {
  try {
    const { seeds } = await readRegistryOnce(
      { rpcUrl: config.registry.rpcUrl, programId, network: config.network },
      { signal },
    )
    return seeds
  } catch (err) {
    if (!(err instanceof RegistryRpcError)) throw err
    throw new Error(`registry read from ${config.registry.rpcUrl} failed: ${err.message}`)
  }
}

/** `--from-peer` as given (for messages) and the peer it names. */
interface PeerFlag {
  text: string
  target: PeerTarget
}

/** A `--from-peer` that names no peer is a usage error. */
function peerFlag(value: string): PeerFlag {
  return { text: value, target: peerTarget(value) }
}

function peerTarget(value: string): PeerTarget {
  if (!value.startsWith('/')) {
    try {
      return parsePeer(value, '--from-peer')
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }
  let target: Multiaddr
  try {
    target = multiaddr(value)
  } catch (err) {
    throw new UsageError(
      `--from-peer: ${JSON.stringify(value)} is not a multiaddr: ${(err as Error).message}`,
    )
  }
  if (!target.getComponents().some((c) => c.name === 'p2p')) {
    throw new UsageError(`--from-peer: ${JSON.stringify(value)} does not end in /p2p/<PeerId>`)
  }
  return target
}
