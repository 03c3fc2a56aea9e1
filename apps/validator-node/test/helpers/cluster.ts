// A local Paraloom cluster for end-to-end tests: N real `paraloom validator
// start` processes (the built CLI) on loopback, registered in genesis
// accounts served by the in-process registry stand-in.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPublicKeyBytes, solanaAddressFromPublicKey } from '@paraloom/p2p'
import { address, buildGenesisAccounts } from '@paraloom/registry'
import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
import { type ExitStatus, freePorts, TestProcess } from '@paraloom/test-utils'
import { generateKeypair, type Keypair, writeKeypairFile } from '../../src/keypair.js'
import { builtCliPath } from './cli.js'

/** Any base58 address serves as the registry program id for the stand-in. */
export const PROGRAM_ID = 'Para1oomRegistry111111111111111111111111111'

/**
 * Liveness timings small enough for a test to see a peer go OFFLINE in about
 * two seconds, with a slow threshold high enough that a loaded machine never
 * reports SLOW.
 */
export const TEST_LIVENESS = {
  ping_interval_ms: 500,
  ping_timeout_ms: 500,
  slow_rtt_ms: 10_000,
  offline_after_missed: 3,
}

/** Starts of one validator when its p2p port keeps being taken before it binds it. */
const MAX_PORT_ATTEMPTS = 3

/** A validator's registry entry: its identity on loopback at `p2pPort`. */
function registration(keypair: Keypair, p2pPort: number) {
  return {
    identity: keypair.publicKey,
    network: 'devnet' as const,
    multiaddrs: [`/ip4/127.0.0.1/tcp/${p2pPort}`],
    stake: 1_000_000n,
  }
}

export interface ValidatorPorts {
  p2p: number
  grpc: number
  metrics: number
}

/** One validator of a {@link Cluster}: its identity, config and (re)startable process. */
export class TestValidator {
  readonly identity: string
  readonly peerId: string
  /** The current (or last) run. */
  private process: TestProcess | undefined

  /**
   * The ports it listens on. Port 0 in its config means the OS picks: they
   * are then read from its `ready:` and `node started` lines by {@link start}.
   */
  ports: ValidatorPorts

  constructor(
    readonly index: number,
    readonly keypair: Keypair,
    readonly configPath: string,
    ports: ValidatorPorts,
  ) {
    this.ports = ports
    this.identity = solanaAddressFromPublicKey(keypair.publicKey)
    this.peerId = peerIdFromPublicKeyBytes(keypair.publicKey).toString()
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.ports.grpc}`
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.ports.metrics}/metrics`
  }

  /** Standard output lines of the current (or last) run, in order. */
  get lines(): string[] {
    return this.process?.lines ?? []
  }

  /** Standard error of the current (or last) run. */
  get stderr(): string {
    return this.process?.stderr ?? ''
  }

  get running(): boolean {
    return this.process?.running ?? false
  }

  /**
   * Spawns `paraloom validator start --config …`, waits for its `ready:`
   * line and reads the ports it bound.
   */
  async start(timeoutMs = 45_000): Promise<void> {
    this.launch()
    const ready = await this.waitForLine(/^ready: /, timeoutMs)
    const started = JSON.parse(await this.waitForLine(/"msg":"node started"/, timeoutMs))
    this.ports = {
      p2p: Number(/\/tcp\/(\d+)/.exec(ready)?.[1]),
      grpc: started.grpcPort,
      metrics: started.metricsPort,
    }
  }

  /** Spawns `paraloom validator start --config …` without waiting for anything. */
  launch(): void {
    if (this.running) throw new Error(`validator ${this.index} is already running`)
    this.process = TestProcess.node(
      builtCliPath,
      ['validator', 'start', '--config', this.configPath],
      { name: `validator ${this.index}` },
    )
  }

  /**
   * The first stdout line of the current run matching `pattern`. Rejects when
   * the process exits or `timeoutMs` passes first, quoting its stderr.
   */
  waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return this.current().waitForLine(pattern, timeoutMs)
  }

  /** Sends `signal` to the process (by its pid). */
  kill(signal: NodeJS.Signals): void {
    this.current().kill(signal)
  }

  /** How the current run ended; rejects if it is still running after `timeoutMs`. */
  exit(timeoutMs: number): Promise<ExitStatus> {
    return this.current().exit(timeoutMs)
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.running) await this.current().stop(graceMs)
  }

  private current(): TestProcess {
    if (this.process === undefined) throw new Error(`validator ${this.index} was never started`)
    return this.process
  }
}

export interface ClusterInit {
  /** Number of validators, all registered in the genesis accounts. */
  size: number
  /** Extra `[liveness]` keys for validator `index` (e.g. a tiny `history_capacity`). */
  liveness?: (index: number) => Record<string, number>
  /** `[sync]` keys for validator `index` (e.g. `catch_up_on_start = true`). */
  sync?: (index: number) => Record<string, number | boolean>
  /** Validators that `Cluster.start` writes and registers but does not start (a late joiner). */
  deferred?: readonly number[]
}

/**
 * A temp directory holding N keypairs and one validator.toml each, the
 * registry stand-in serving their genesis accounts, and the N processes.
 * `stop()` ends every process by pid, the stand-in, and removes the directory.
 */
export class Cluster {
  private constructor(
    readonly dir: string,
    readonly standIn: LocalRpcStandIn,
    readonly validators: TestValidator[],
  ) {}

  /**
   * Writes the files, starts the stand-in and every validator; waits until
   * all are ready. gRPC and metrics bind port 0 and report what they bound.
   * A p2p port is registered in the genesis accounts, so it is chosen first:
   * a validator that then finds it taken (EADDRINUSE) is registered on a new
   * one and started again. After the first start each config names the bound
   * ports, so a restart comes back on the same addresses.
   */
  static async start(init: ClusterInit): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'paraloom-cluster-'))
    const p2pPorts = await freePorts(init.size)
    const keypairs = Array.from({ length: init.size }, () => generateKeypair())
    const programId = address(PROGRAM_ID)
    const standIn = new LocalRpcStandIn({
      programId,
      port: 0,
      accounts: await buildGenesisAccounts({
        programId,
        network: 'devnet',
        validators: keypairs.map((kp, i) => registration(kp, p2pPorts[i]!)),
      }),
    })
    const validators: TestValidator[] = []
    const cluster = new Cluster(dir, standIn, validators)
    try {
      await standIn.start()
      for (const [i, keypair] of keypairs.entries()) {
        const keypairPath = join(dir, `validator-${i}.json`)
        await writeKeypairFile(keypairPath, keypair)
        const vPorts = { p2p: p2pPorts[i]!, grpc: 0, metrics: 0 }
        const configPath = join(dir, `validator-${i}.toml`)
        validators.push(new TestValidator(i, keypair, configPath, vPorts))
      }
      const writeConfig = (v: TestValidator): Promise<void> => {
        const liveness = { ...TEST_LIVENESS, ...init.liveness?.(v.index) }
        const sync = init.sync?.(v.index) ?? {}
        const keypairPath = join(dir, `validator-${v.index}.json`)
        return writeFile(
          v.configPath,
          validatorToml(v.index, keypairPath, v.ports, standIn, liveness, sync),
        )
      }
      await Promise.all(validators.map(writeConfig))
      const starting = validators.filter((v) => !init.deferred?.includes(v.index))
      await Promise.all(starting.map((v) => cluster.startRegistered(v, writeConfig)))
      // Restarts come back on the same addresses.
      await Promise.all(starting.map(writeConfig))
      return cluster
    } catch (err) {
      await cluster.stop()
      throw err
    }
  }

  /** Starts `v`; while its registered p2p port turns out taken, moves it to a new one. */
  private async startRegistered(
    v: TestValidator,
    writeConfig: (v: TestValidator) => Promise<void>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await v.start()
        return
      } catch (err) {
        if (
          !/cannot start p2p .*address already in use/.test(v.stderr) ||
          attempt >= MAX_PORT_ATTEMPTS
        ) {
          throw err
        }
      }
      const [port] = await freePorts(1)
      v.ports = { ...v.ports, p2p: port! }
      await this.standIn.upsertValidator(registration(v.keypair, port!))
      await writeConfig(v)
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.validators.map((v) => v.stop()))
    await this.standIn.stop()
    await rm(this.dir, { recursive: true, force: true })
  }
}

function validatorToml(
  index: number,
  keypairPath: string,
  ports: ValidatorPorts,
  standIn: LocalRpcStandIn,
  liveness: Record<string, number>,
  sync: Record<string, number | boolean>,
): string {
  return [
    'network = "devnet"',
    `state_dir = ${JSON.stringify(`./state-${index}`)}`,
    '[identity]',
    `keypair = ${JSON.stringify(keypairPath)}`,
    '[p2p]',
    `listen = ["/ip4/127.0.0.1/tcp/${ports.p2p}"]`,
    '[registry]',
    `rpc_url = ${JSON.stringify(standIn.rpcUrl)}`,
    `ws_url = ${JSON.stringify(standIn.wsUrl)}`,
    `program_id = "${PROGRAM_ID}"`,
    'refresh_secs = 2',
    '[liveness]',
    ...Object.entries(liveness).map(([k, v]) => `${k} = ${v}`),
    '[grpc]',
    `listen = "127.0.0.1:${ports.grpc}"`,
    '[metrics]',
    `listen = "127.0.0.1:${ports.metrics}"`,
    '[sync]',
    ...Object.entries(sync).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n')
}
