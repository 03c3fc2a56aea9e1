import { writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import {
  addUrlOption,
  type CliIo,
  createLogger,
  type ShutdownSignals,
  type UrlFlags,
  UsageError,
  urlFlag,
  watchShutdownSignals,
} from '@paraloom/cli-kit'
import { LOG_LEVELS, type LogLevel, NETWORKS, type NetworkName } from '@paraloom/interface'
import { peerIdFromPublicKeyBytes, solanaAddressFromPublicKey } from '@paraloom/p2p'
import { Command, Option } from 'commander'
import { type ConfigOverrides, loadConfig, parseConfigText } from '../config/index.js'
import { validatorTomlTemplate } from '../config/template.js'
import { routeGrpcLogs } from '../grpc/logging.js'
import { generateKeypair, KeypairFileError, writeKeypairFile } from '../keypair.js'
import { ValidatorNode } from '../node/validator-node.js'
import { readKeypairForCommand } from './keypair-file.js'
import { validatorSyncCommand } from './validator-sync.js'

/** `paraloom validator …`: run a node, make an identity. */
export function validatorCommand(io: CliIo): Command {
  const validator = new Command('validator').description(
    'Run a validator node or create its identity.',
  )

  validator
    .command('keygen')
    .description(
      'Write a new validator identity as a Solana keypair file (a JSON array of 64 numbers).',
    )
    .requiredOption('--out <file>', 'where to write the keypair file (never overwritten)')
    .action(async (opts: { out: string }) => {
      const keypair = generateKeypair()
      try {
        await writeKeypairFile(opts.out, keypair)
      } catch (err) {
        if (err instanceof KeypairFileError) throw new UsageError(err.message)
        throw err
      }
      const address = solanaAddressFromPublicKey(keypair.publicKey)
      io.stdout.write(
        `wrote ${opts.out}\nidentity: ${address}\npeer id:  ${peerIdFromPublicKeyBytes(keypair.publicKey).toString()}\n`,
      )
    })

  const init = validator
    .command('init')
    .description(
      'Write a commented validator.toml with every default (never overwrites without --force).',
    )
    .option('--out <file>', 'where to write it', 'validator.toml')
    .addOption(
      new Option('--network <net>', 'Paraloom network').choices(NETWORKS).makeOptionMandatory(),
    )
    .option('--program-id <address>', 'registry program id ([registry] program_id)')
    .option('--force', 'overwrite an existing file')
  addUrlOption(init, 'Solana JSON-RPC URL ([registry] rpc_url)').action(async (opts: InitFlags) => {
    const text = validatorTomlTemplate({
      network: opts.network,
      programId: opts.programId,
      rpcUrl: urlFlag(opts),
    })
    // The flags are checked the way the node will read the file: a bad value is refused now.
    parseConfigText(text, {}, opts.out, dirname(resolve(opts.out)))
    try {
      await writeFile(opts.out, text, { flag: opts.force === true ? 'w' : 'wx' })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST')
        throw new UsageError(`${opts.out} exists: pass --force to overwrite it`)
      throw new UsageError(`cannot write ${opts.out} (${code ?? (err as Error).message})`)
    }
    io.stdout.write(
      `wrote ${opts.out}\nnext: paraloom validator keygen --out ${join(dirname(opts.out), 'validator-keypair.json')}, then paraloom validator start --config ${opts.out}\n`,
    )
  })

  const start = validator
    .command('start')
    .description(
      'Start a validator node: registry, libp2p (Kademlia, gossipsub, ping), gRPC and metrics.',
    )
    .addOption(
      new Option('--network <net>', 'Paraloom network (overrides the config)').choices(NETWORKS),
    )
    .option('--config <file>', 'validator.toml (flags override it; without it, flags and defaults)')
    .option('--keypair <file>', 'identity keypair file ([identity] keypair)')
    .option('--state-dir <dir>', 'registry cache and peer store (state_dir)')
    .option('--listen <multiaddr...>', 'p2p listen addresses ([p2p] listen)')
    .option('--announce <multiaddr...>', 'addresses put in the DHT record ([p2p] announce)')
    .addOption(
      new Option('--admission <mode>', 'who may connect ([p2p] admission)').choices([
        'validators',
        'open',
      ]),
    )
    .option('--allow <peerId...>', 'extra PeerIds admitted ([p2p] allow)')
  addUrlOption(start, 'Solana JSON-RPC URL ([registry] rpc_url; alias --rpc-url)')
  start
    .option('--ws-url <url>', 'Solana websocket URL ([registry] ws_url; default: RPC port + 1)')
    .option('--program-id <address>', 'registry program id ([registry] program_id)')
    .option('--grpc-listen <host:port>', 'gRPC listen address ([grpc] listen)')
    .option('--metrics-listen <host:port>', 'Prometheus listen address ([metrics] listen)')
    .addOption(
      new Option(
        '--log-format <format>',
        'log format (default: json unless stdout is a terminal)',
      ).choices(['json', 'text']),
    )
    .addOption(
      new Option('--log-level <level>', 'lowest level logged').choices(LOG_LEVELS).default('info'),
    )
    .action(async (opts: StartFlags) => {
      // First: a signal from here on stops the node in order and exits 0.
      const shutdown = watchShutdownSignals()
      try {
        await runValidator(io, opts, shutdown)
      } finally {
        shutdown.dispose()
      }
    })

  validator.addCommand(validatorSyncCommand(io))

  return validator
}

/**
 * Loads the config, starts the node and runs it until SIGINT/SIGTERM. A
 * signal during the start aborts it (what started is stopped again); either
 * way the command then resolves, so the process exits 0.
 */
async function runValidator(io: CliIo, opts: StartFlags, shutdown: ShutdownSignals): Promise<void> {
  const config = await loadConfig(opts.config, startOverrides(opts))
  const keypair = await readKeypairForCommand(config.identity.keypairPath)
  const isTty = (io.stdout as { isTTY?: boolean }).isTTY === true
  const logger = createLogger({
    out: io.stdout,
    format: opts.logFormat ?? (isTty ? 'text' : 'json'),
    level: opts.logLevel,
  })
  routeGrpcLogs(logger)
  const node = new ValidatorNode({
    config,
    keypair,
    logger,
    logLevel: opts.logLevel,
    announce: (line) => io.stdout.write(`${line}\n`),
  })
  void shutdown.received.then((reason) =>
    logger.info('shutting down', reason === 'parent exited' ? { reason } : { signal: reason }),
  )
  try {
    await node.start({ signal: shutdown.signal })
    await shutdown.received
  } catch (err) {
    // The start was aborted by the signal: an orderly stop, not a failure.
    if (!shutdown.signal.aborted) throw err
  } finally {
    await node.stop()
  }
}

interface InitFlags extends UrlFlags {
  out: string
  network: NetworkName
  programId?: string
  force?: boolean
}

interface StartFlags extends UrlFlags {
  network?: string
  config?: string
  keypair?: string
  stateDir?: string
  listen?: string[]
  announce?: string[]
  admission?: string
  allow?: string[]
  wsUrl?: string
  programId?: string
  grpcListen?: string
  metricsListen?: string
  logFormat?: 'json' | 'text'
  logLevel: LogLevel
}

/** Flags as TOML-shaped overrides, validated together with the file. */
function startOverrides(f: StartFlags): ConfigOverrides {
  return {
    network: f.network,
    state_dir: f.stateDir,
    identity: { keypair: f.keypair },
    p2p: { listen: f.listen, announce: f.announce, admission: f.admission, allow: f.allow },
    registry: { rpc_url: urlFlag(f), ws_url: f.wsUrl, program_id: f.programId },
    grpc: { listen: f.grpcListen },
    metrics: { listen: f.metricsListen },
  }
}
