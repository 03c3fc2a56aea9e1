import { multiaddr } from '@multiformats/multiaddr'
import { createLogger, UsageError } from '@paraloom/cli-kit'
import type { PeerTarget } from '@paraloom/p2p'
import { Command, Option } from 'commander'
import type { CliIo } from '../cli.js'
import { loadConfig, NETWORKS } from '../config/index.js'
import { ValidatorNode } from '../node/validator-node.js'
import { printable } from '../sync/state-sync.js'
import { readKeypairForCommand } from './keypair-file.js'

interface SyncFlags {
  config?: string
  network?: string
  keypair?: string
  stateDir?: string
  rpcUrl?: string
  programId?: string
  fromPeer: string
  fromHeight?: bigint
}

/** A node on ephemeral loopback ports: it only fetches, and may run beside nothing else. */
const EPHEMERAL = {
  p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], announce: [] },
  grpc: { listen: '127.0.0.1:0' },
  metrics: { listen: '127.0.0.1:0' },
  // This command is the catch-up.
  sync: { catch_up_on_start: false },
}

function heightFlag(value: string): bigint {
  if (!/^\d{1,20}$/.test(value) || BigInt(value) >= 2n ** 64n) {
    throw new UsageError(`--from-height: ${JSON.stringify(value)} is not a u64 height`)
  }
  return BigInt(value)
}

/**
 * `paraloom validator sync`: before starting a validator that was down,
 * fetch the blocks it missed from one peer, check each (network, proposer
 * in the registry, signature) and keep them in its state directory, where
 * `validator start` loads them.
 */
export function validatorSyncCommand(io: CliIo): Command {
  return new Command('sync')
    .description(
      'Fetch missed blocks from a peer into the state directory, checking each against the registry.',
    )
    .requiredOption(
      '--from-peer <peer>',
      'who to ask: a PeerId, a validator identity, or a multiaddr ending in /p2p/<PeerId>',
    )
    .option(
      '--from-height <height>',
      'first height to fetch (default: one past the highest block kept)',
      heightFlag,
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
        ...EPHEMERAL,
      })
      if (!config.sync.persist) {
        throw new UsageError('sync.persist is false: nothing would keep the fetched blocks')
      }
      const peer = peerTarget(opts.fromPeer)
      const keypair = await readKeypairForCommand(config.identity.keypairPath)
      // Progress and problems on stderr; the result alone on stdout.
      const logger = createLogger({ out: io.stderr, format: 'text', level: 'info' })
      const node = new ValidatorNode({ config, keypair, logger, announce: () => {} })
      try {
        await node.start()
        const result = await node.catchUp(peer, opts.fromHeight)
        const r = printable(result)
        io.stdout.write(
          `synced from ${opts.fromPeer}: kept ${r.kept} new blocks` +
            (result.firstHeight === undefined
              ? ''
              : `, heights ${r.firstHeight}..${r.lastHeight}`) +
            `, peer tip ${r.peerTip}, ${r.requests} requests${result.complete ? '' : ' (incomplete)'}\n`,
        )
      } finally {
        await node.stop()
      }
    })
}

function peerTarget(value: string): PeerTarget {
  if (!value.startsWith('/')) return value
  try {
    return multiaddr(value)
  } catch (err) {
    throw new UsageError(
      `--from-peer: ${JSON.stringify(value)} is not a multiaddr: ${(err as Error).message}`,
    )
  }
}
