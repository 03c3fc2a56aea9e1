/**
 * `paraloom registry list|genesis|stand-in` (interfaces.md): read the
 * on-chain registry as the node would, write genesis files for a local
 * chain, and run the development JSON-RPC stand-in.
 */
import { once } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import {
  addUrlOption,
  type CliIo,
  ExitCode,
  type UrlFlags,
  UsageError,
  urlFlag,
  watchShutdownSignals,
} from '@paraloom/cli-kit'
import { isNetworkName, NETWORKS, type NetworkName, type SeedPeer } from '@paraloom/interface'
import {
  type Address,
  buildGenesisAccounts,
  isAddress,
  RegistryRpcError,
  readGenesisDirectory,
  readRegistryOnce,
  type ValidatorSpec,
  writeGenesisFiles,
} from '@paraloom/registry'
import { Command } from 'commander'
import { loadConfig } from '../config/index.js'
import { KeypairFileError, readKeypairFile } from '../keypair.js'

/** Default stake written by `registry genesis`, in lamports (1 SOL). */
const DEFAULT_GENESIS_STAKE = 1_000_000_000n

function networkOf(value: string, flag: string): NetworkName {
  if (!isNetworkName(value)) {
    throw new UsageError(`${flag} ${value} is not one of ${NETWORKS.join(', ')}`)
  }
  return value
}

function programIdOf(value: string, where: string): Address {
  if (value === '')
    throw new UsageError(`${where} is empty: pass --program-id or set [registry] program_id`)
  if (!isAddress(value)) throw new UsageError(`${where} ${value} is not a base58 Solana address`)
  return value
}

function seedJson(peer: SeedPeer): string {
  return JSON.stringify({
    identity: peer.identity,
    peer_id: peer.peerId,
    multiaddrs: peer.multiaddrs,
    stake: peer.stake.toString(),
    reputation: peer.reputation.toString(),
  })
}

function seedTable(seeds: readonly SeedPeer[]): string {
  const rows = [
    ['IDENTITY', 'STAKE', 'REPUTATION', 'MULTIADDRS'],
    ...seeds.map((s) => [
      s.identity,
      s.stake.toString(),
      s.reputation.toString(),
      s.multiaddrs.join(' '),
    ]),
  ]
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ')).join('\n')
}

interface ListOptions extends UrlFlags {
  config?: string
  network?: string
  programId?: string
  json?: boolean
  timeoutMs: string
}

function listCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  const list = new Command('list')
    .description(
      'List the usable seed peers of the on-chain registry (flags override the config file).',
    )
    .option('--config <path>', 'validator.toml to read network and [registry] from')
    .option('--network <net>', 'mainnet, devnet, testnet or localnet')
  return addUrlOption(list, 'Solana JSON-RPC URL (alias --rpc)')
    .option('--program-id <id>', 'registry program id (base58)')
    .option('--json', 'one JSON object per seed peer on stdout')
    .option('--timeout-ms <ms>', 'timeout of each RPC request, in ms', '10000')
    .action(async (opts: ListOptions) => {
      const timeoutMs = Number(opts.timeoutMs)
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
        throw new UsageError(`--timeout-ms ${opts.timeoutMs} is not a positive integer`)
      }
      const registry: Record<string, unknown> = {}
      const url = urlFlag(opts)
      if (url !== undefined) registry.rpc_url = url
      if (opts.programId !== undefined) registry.program_id = opts.programId
      const overrides: Record<string, unknown> = { registry }
      if (opts.network !== undefined) overrides.network = networkOf(opts.network, '--network')
      const config = await loadConfig(opts.config, overrides)
      const programId = programIdOf(config.registry.programId, 'registry.program_id')
      let result: Awaited<ReturnType<typeof readRegistryOnce>>
      try {
        result = await readRegistryOnce({
          rpcUrl: config.registry.rpcUrl,
          programId,
          network: config.network,
          requestTimeoutMs: timeoutMs,
        })
      } catch (err) {
        if (!(err instanceof RegistryRpcError)) throw err
        io.stderr.write(
          `paraloom: registry read from ${config.registry.rpcUrl} failed: ${err.message}\n`,
        )
        setExitCode(ExitCode.failed)
        return
      }
      for (const w of result.warnings)
        io.stderr.write(`warning: skipping ${w.address}: ${w.reason}\n`)
      if (opts.json === true) {
        for (const peer of result.seeds) io.stdout.write(`${seedJson(peer)}\n`)
      } else {
        io.stdout.write(
          `${seedTable(result.seeds)}\n${result.seeds.length} seed peers on ${config.network}\n`,
        )
      }
    })
}

interface GenesisOptions {
  out: string
  network: string
  programId: string
  validator: string[]
  stake: string
}

async function validatorSpec(
  arg: string,
  network: NetworkName,
  stake: bigint,
): Promise<ValidatorSpec> {
  const eq = arg.indexOf('=')
  if (eq <= 0 || eq === arg.length - 1) {
    throw new UsageError(`--validator ${arg} is not KEYPAIR_FILE=MULTIADDR[,MULTIADDR...]`)
  }
  const multiaddrs = arg.slice(eq + 1).split(',')
  for (const m of multiaddrs) {
    try {
      multiaddr(m)
    } catch (err) {
      throw new UsageError(
        `--validator ${arg}: multiaddr ${m} does not parse (${(err as Error).message})`,
      )
    }
  }
  try {
    const keypair = await readKeypairFile(arg.slice(0, eq))
    return { identity: keypair.publicKey, network, multiaddrs, stake }
  } catch (err) {
    if (err instanceof KeypairFileError) throw new UsageError(`--validator: ${err.message}`)
    throw err
  }
}

function genesisCommand(io: CliIo): Command {
  return new Command('genesis')
    .description('Write solana-test-validator --account files for the registry and its validators.')
    .requiredOption('--out <dir>', 'directory to write <address>.json files into')
    .requiredOption('--network <net>', 'mainnet, devnet, testnet or localnet')
    .requiredOption('--program-id <id>', 'registry program id (base58)')
    .requiredOption(
      '--validator <keypair=multiaddr>',
      'KEYPAIR_FILE=MULTIADDR[,MULTIADDR...], repeatable',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--stake <lamports>',
      'stake of every validator, in lamports',
      DEFAULT_GENESIS_STAKE.toString(),
    )
    .action(async (opts: GenesisOptions) => {
      const network = networkOf(opts.network, '--network')
      const programId = programIdOf(opts.programId, '--program-id')
      if (!/^\d{1,20}$/.test(opts.stake) || BigInt(opts.stake) >= 2n ** 64n) {
        throw new UsageError(`--stake ${opts.stake} is not a u64 number of lamports`)
      }
      const stake = BigInt(opts.stake)
      const validators: ValidatorSpec[] = []
      for (const v of opts.validator) validators.push(await validatorSpec(v, network, stake))
      const accounts = await buildGenesisAccounts({ programId, network, validators })
      const paths = await writeGenesisFiles(opts.out, accounts)
      io.stdout.write(
        `registry ${accounts[0]!.pubkey} and ${validators.length} validators: ${paths.length} files in ${opts.out}\n`,
      )
    })
}

function hostPortOf(value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value)
  const port = Number(m?.[2])
  if (m === null || port > 65535) throw new UsageError(`--listen ${value} is not HOST:PORT`)
  return { host: m[1]!, port }
}

function standInCommand(io: CliIo): Command {
  return new Command('stand-in')
    .description(
      'Serve a genesis directory over Solana JSON-RPC (HTTP on PORT, websocket on PORT+1). ' +
        'A development stand-in for solana-test-validator, not a Solana node.',
    )
    .requiredOption('--accounts <dir>', 'genesis directory of <address>.json account files')
    .option('--listen <host:port>', 'HTTP address; the websocket is on port + 1', '127.0.0.1:8899')
    .option('--program-id <id>', 'registry program id, for the paraloomDev_ validator methods')
    .action(async (opts: { accounts: string; listen: string; programId?: string }) => {
      // First: a signal from here on stops the stand-in in order and exits 0.
      const shutdown = watchShutdownSignals()
      try {
        await runStandIn(io, opts, shutdown.signal)
      } finally {
        shutdown.dispose()
      }
    })
}

/** Serves the stand-in until `stop` aborts (also when it aborts while starting). */
async function runStandIn(
  io: CliIo,
  opts: { accounts: string; listen: string; programId?: string },
  stop: AbortSignal,
): Promise<void> {
  const { host, port } = hostPortOf(opts.listen)
  const programId =
    opts.programId === undefined ? undefined : programIdOf(opts.programId, '--program-id')
  let accounts: Awaited<ReturnType<typeof readGenesisDirectory>>
  try {
    accounts = await readGenesisDirectory(opts.accounts)
  } catch (err) {
    throw new UsageError(`--accounts ${opts.accounts}: ${(err as Error).message}`)
  }
  if (stop.aborted) return
  // Loaded here only: no other command needs the test server (or its websocket library).
  const { LocalRpcStandIn } = await import('@paraloom/registry/stand-in')
  const standIn = new LocalRpcStandIn({ accounts, programId, host, port })
  await standIn.start()
  try {
    io.stdout.write(
      `registry stand-in (development only) serving ${accounts.length} accounts: rpc ${standIn.rpcUrl} ws ${standIn.wsUrl}\n`,
    )
    if (!stop.aborted) await once(stop, 'abort')
  } finally {
    await standIn.stop()
    io.stdout.write('registry stand-in stopped\n')
  }
}

export function registryCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('registry')
    .description(
      'Inspect the on-chain validator registry; write genesis files; run the local RPC stand-in.',
    )
    .addCommand(listCommand(io, setExitCode))
    .addCommand(genesisCommand(io))
    .addCommand(standInCommand(io))
}
