// A local Paraloom cluster for end-to-end tests: N real `paraloom validator
// start` processes (the built CLI) on loopback, registered in genesis
// accounts served by the in-process registry stand-in.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { peerIdFromPublicKeyBytes, solanaAddressFromPublicKey } from '@paraloom/p2p'
import { address, buildGenesisAccounts, LocalRpcStandIn } from '@paraloom/registry'
import { generateKeypair, type Keypair, writeKeypairFile } from '../../src/keypair.js'
import { builtCliPath } from './cli.js'
import { freePorts } from './ports.js'
import { ChangeSignal, within } from './wait.js'

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

/** Every child still running, killed if the test process exits without a teardown. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const c of live) if (c.pid !== undefined) c.kill('SIGKILL')
    })
  }
  live.add(child)
}

export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
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
  /** Standard output lines of the current (or last) run, in order. */
  lines: string[] = []
  /** Standard error of the current (or last) run. */
  stderr = ''
  private child: ChildProcess | undefined
  private exited: Promise<ExitStatus> | undefined
  private readonly changed = new ChangeSignal()

  constructor(
    readonly index: number,
    readonly keypair: Keypair,
    readonly configPath: string,
    readonly ports: ValidatorPorts,
  ) {
    this.identity = solanaAddressFromPublicKey(keypair.publicKey)
    this.peerId = peerIdFromPublicKeyBytes(keypair.publicKey).toString()
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.ports.grpc}`
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.ports.metrics}/metrics`
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    )
  }

  /** Spawns `paraloom validator start --config …` and waits for its `ready:` line. */
  async start(timeoutMs = 45_000): Promise<void> {
    this.launch()
    await this.waitForLine(/^ready: /, timeoutMs)
  }

  /** Spawns `paraloom validator start --config …` without waiting for anything. */
  launch(): void {
    if (this.running) throw new Error(`validator ${this.index} is already running`)
    this.lines = []
    this.stderr = ''
    const child = spawn(
      process.execPath,
      [builtCliPath, 'validator', 'start', '--config', this.configPath],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    track(child)
    this.child = child
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child)
        resolve({ code, signal })
        this.changed.notify()
      })
    })
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.lines.push(line)
      this.changed.notify()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8')
    })
  }

  /**
   * The first stdout line of the current run matching `pattern`. Rejects when
   * the process exits or `timeoutMs` passes first, quoting its stderr.
   */
  waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return this.changed.until(
      `validator ${this.index} to print a line matching ${pattern}`,
      () => {
        const line = this.lines.find((l) => pattern.test(l))
        if (line === undefined && !this.running) {
          throw new Error(`validator ${this.index} exited before ${pattern}: ${this.stderr}`)
        }
        return line
      },
      timeoutMs,
    )
  }

  /** Sends `signal` to the process (by its pid). */
  kill(signal: NodeJS.Signals): void {
    const pid = this.child?.pid
    if (pid === undefined || !this.running)
      throw new Error(`validator ${this.index} is not running`)
    process.kill(pid, signal)
  }

  /** How the current run ended; rejects if it is still running after `timeoutMs`. */
  exit(timeoutMs: number): Promise<ExitStatus> {
    const exited = this.exited
    if (exited === undefined) throw new Error(`validator ${this.index} was never started`)
    return within(`validator ${this.index} to exit`, timeoutMs, exited)
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return
    this.kill('SIGTERM')
    try {
      await this.exit(graceMs)
    } catch {
      if (this.running) this.kill('SIGKILL')
      await this.exit(graceMs)
    }
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

  /** Writes the files, starts the stand-in and every validator; waits until all are ready. */
  static async start(init: ClusterInit): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'paraloom-cluster-'))
    const ports = await freePorts(init.size * 3)
    const keypairs = Array.from({ length: init.size }, () => generateKeypair())
    const programId = address(PROGRAM_ID)
    const standIn = new LocalRpcStandIn({
      programId,
      port: 0,
      accounts: await buildGenesisAccounts({
        programId,
        network: 'devnet',
        validators: keypairs.map((kp, i) => ({
          identity: kp.publicKey,
          network: 'devnet' as const,
          multiaddrs: [`/ip4/127.0.0.1/tcp/${ports[3 * i]}`],
          stake: 1_000_000n,
        })),
      }),
    })
    const validators: TestValidator[] = []
    const cluster = new Cluster(dir, standIn, validators)
    try {
      await standIn.start()
      for (const [i, keypair] of keypairs.entries()) {
        const keypairPath = join(dir, `validator-${i}.json`)
        await writeKeypairFile(keypairPath, keypair)
        const vPorts = { p2p: ports[3 * i]!, grpc: ports[3 * i + 1]!, metrics: ports[3 * i + 2]! }
        const configPath = join(dir, `validator-${i}.toml`)
        const liveness = { ...TEST_LIVENESS, ...init.liveness?.(i) }
        const sync = init.sync?.(i) ?? {}
        await writeFile(configPath, validatorToml(i, keypairPath, vPorts, standIn, liveness, sync))
        validators.push(new TestValidator(i, keypair, configPath, vPorts))
      }
      const starting = validators.filter((v) => !init.deferred?.includes(v.index))
      await Promise.all(starting.map((v) => v.start()))
      return cluster
    } catch (err) {
      await cluster.stop()
      throw err
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
