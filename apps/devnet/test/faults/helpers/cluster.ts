// A devnet the fault tests drive by hand: the devnet's own files, commands
// and child-process handling (src/), with fast liveness timings, and
// helpers to kill, restart and measure.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { solanaAddressFromPublicKey } from '@paraloom/p2p'
import { type ListPeersResponse, PeerState } from '@paraloom/proto'
import { connectValidator, listPeers, type ValidatorClients } from 'paraloom/client'
import { standInSpec, validatorSpec } from '../../../src/children.js'
import {
  type Addressing,
  type DevnetTimings,
  type ValidatorEndpoints,
  validatorEndpoints,
  writeDevnetGenesis,
  writeValidatorConfig,
} from '../../../src/files.js'
import { type DevnetIdentities, ensureIdentities } from '../../../src/identities.js'
import { type DevnetLayout, devnetLayout, type PortPlan } from '../../../src/layout.js'
import { busyPorts } from '../../../src/ports.js'
import { ChildProcesses, type ChildSpec } from '../../../src/processes.js'
import { waitForRpcHealth } from '../../../src/readiness.js'

/** Fast timings: a fault shows within seconds. */
/**
 * Planned ports stay below Linux's ephemeral range (32768 and up): an outgoing
 * connection's source port can never take one between the check and the bind,
 * and the random base keeps parallel test files apart.
 */
const FAULT_PORTS = { lowest: 20_000, bases: 120, span: 100 } as const

/** A port plan for `count` validators on a random free base below the ephemeral range. */
async function faultPortPlan(count: number): Promise<PortPlan> {
  if (count > 30)
    throw new RangeError(`a fault cluster plans ports for at most 30 validators, not ${count}`)
  for (let attempt = 0; attempt < 20; attempt++) {
    const base =
      FAULT_PORTS.lowest + Math.floor(Math.random() * FAULT_PORTS.bases) * FAULT_PORTS.span
    const plan: PortPlan = {
      offset: base,
      rpc: base,
      ws: base + 1,
      dashboard: base + 2,
      validators: Array.from({ length: count }, (_, i) => ({
        p2p: base + 10 + i,
        grpc: base + 40 + i,
        metrics: base + 70 + i,
      })),
    }
    if ((await busyPorts('127.0.0.1', plan)).length === 0) return plan
  }
  throw new Error('no free port base below the ephemeral range after 20 attempts')
}

export const FAULT_TIMINGS: DevnetTimings = {
  pingIntervalMs: 1000,
  pingTimeoutMs: 1000,
  slowRttMs: 500,
  offlineAfterMissed: 3,
  refreshSecs: 5,
}

export interface FaultClusterInit {
  /** Validators with an identity, config and ports. */
  validators: number
  /** How many of them are in the genesis registry (the first ones). @default validators */
  registered?: number
  timings?: DevnetTimings
  /** Per validator: where it listens and what is registered (default: loopback). */
  endpoints?: (index: number, plan: PortPlan, fallback: ValidatorEndpoints) => ValidatorEndpoints
  /** Where the registry stand-in listens. @default 127.0.0.1 */
  registryHost?: string
  /** Wraps a validator's command (e.g. to run it inside a network namespace). */
  wrap?: (index: number, spec: ChildSpec) => ChildSpec
}

export class FaultCluster {
  readonly lines = new Map<string, string[]>()
  readonly children: ChildProcesses
  private readonly clientCache = new Map<number, ValidatorClients>()

  private constructor(
    readonly dir: string,
    readonly layout: DevnetLayout,
    readonly identities: DevnetIdentities,
    readonly plan: PortPlan,
    readonly endpoints: ValidatorEndpoints[],
    readonly timings: DevnetTimings,
    readonly rpcUrl: string,
    private readonly init: FaultClusterInit,
  ) {
    this.children = new ChildProcesses({
      print: (line) => {
        const m = /^\[([^\]]+)\] (.*)$/.exec(line)
        if (m === null) return
        const list = this.lines.get(m[1]!) ?? []
        list.push(m[2]!)
        if (list.length > 2000) list.shift()
        this.lines.set(m[1]!, list)
      },
    })
  }

  static async create(init: FaultClusterInit): Promise<FaultCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'paraloom-faults-'))
    const timings = init.timings ?? FAULT_TIMINGS
    const layout = devnetLayout(dir, init.validators)
    const identities = await ensureIdentities(layout)
    const plan = await faultPortPlan(init.validators)
    const registryHost = init.registryHost ?? '127.0.0.1'
    const rpcUrl = `http://${registryHost}:${plan.rpc}`
    const endpoints = layout.validators.map((v, i) => {
      const fallback = validatorEndpoints({ kind: 'loopback' } as Addressing, plan, v)
      return init.endpoints?.(i, plan, fallback) ?? fallback
    })
    const registered = init.registered ?? init.validators
    await writeDevnetGenesis(
      layout,
      { ...identities, validators: identities.validators.slice(0, registered) },
      'devnet',
      endpoints.slice(0, registered),
    )
    for (const [i, v] of layout.validators.entries()) {
      await writeValidatorConfig(v, {
        network: 'devnet',
        programId: identities.programId,
        rpcUrl,
        endpoints: endpoints[i]!,
        timings,
      })
    }
    return new FaultCluster(dir, layout, identities, plan, endpoints, timings, rpcUrl, init)
  }

  name(index: number): string {
    return this.layout.validators[index]!.name
  }

  identity(index: number): string {
    return solanaAddressFromPublicKey(this.identities.validators[index]!.publicKey)
  }

  pid(name: string): number | undefined {
    return this.children.pids().get(name)
  }

  async startRegistry(): Promise<void> {
    const spec = standInSpec(this.layout, this.plan, this.identities.programId)
    const host = this.init.registryHost ?? '127.0.0.1'
    spec.args = spec.args.map((a) =>
      a === `127.0.0.1:${this.plan.rpc}` ? `${host}:${this.plan.rpc}` : a,
    )
    await this.children.start(spec)
    await waitForRpcHealth(this.rpcUrl)
  }

  /** Starts validator `index`; resolves with the time its `ready:` line was printed. */
  async startValidator(index: number): Promise<number> {
    const name = this.name(index)
    this.lines.set(name, [])
    let spec = validatorSpec(this.layout, this.layout.validators[index]!, 'warn')
    if (this.init.wrap) spec = this.init.wrap(index, spec)
    await this.children.start(spec)
    await this.waitUntil(`${name} ready`, 30_000, () =>
      (this.lines.get(name) ?? []).some((l) => l.startsWith('ready: listening on')),
    )
    return Date.now()
  }

  /** SIGKILLs a child by pid and waits for it to be gone; resolves with the kill time. */
  async kill9(name: string): Promise<number> {
    const pid = this.pid(name)
    if (pid === undefined) throw new Error(`${name} is not running`)
    const at = Date.now()
    process.kill(pid, 'SIGKILL')
    await this.children.exited(name)
    return at
  }

  clients(index: number): ValidatorClients {
    let c = this.clientCache.get(index)
    if (c === undefined) {
      const grpc = this.endpoints[index]!.grpcListen.replace('0.0.0.0', '127.0.0.1')
      c = connectValidator(grpc)
      this.clientCache.set(index, c)
    }
    return c
  }

  async view(index: number): Promise<ListPeersResponse> {
    return listPeers(this.clients(index).peerMonitor, { deadlineMs: 3000 })
  }

  /** The state `observer` reports for validator `target`, with when it entered it; undefined if unlisted. */
  async stateOf(
    observer: number,
    target: number,
  ): Promise<{ state: PeerState; sinceMs: number } | undefined> {
    const res = await this.view(observer)
    const p = res.peers.find((x) => x.validator === this.identity(target))
    return p === undefined ? undefined : { state: p.state, sinceMs: Number(p.sinceMs) }
  }

  /** Polls until `test` holds; throws naming `what` after `timeoutMs`. */
  async waitUntil(
    what: string,
    timeoutMs: number,
    test: () => boolean | Promise<boolean>,
  ): Promise<void> {
    const giveUpAt = Date.now() + timeoutMs
    for (;;) {
      try {
        if (await test()) return
      } catch {
        // a validator that does not answer yet is "not yet"
      }
      if (Date.now() > giveUpAt)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await delay(100)
    }
  }

  /**
   * Waits until every one of `observers` reports `target` in `state`;
   * returns, per observer, when it entered that state minus `fromMs`.
   */
  async waitStateEverywhere(
    observers: number[],
    target: number,
    state: PeerState,
    fromMs: number,
    timeoutMs: number,
  ): Promise<Map<number, number>> {
    const after = new Map<number, number>()
    await this.waitUntil(`${this.name(target)} ${state} everywhere`, timeoutMs, async () => {
      for (const o of observers) {
        if (after.has(o)) continue
        const s = await this.stateOf(o, target)
        if (s?.state === state) after.set(o, s.sinceMs - fromMs)
      }
      return after.size === observers.length
    })
    return after
  }

  /** Waits until each listed validator reports every other listed one CONNECTED. */
  async waitAllConnected(indexes: number[], timeoutMs = 60_000): Promise<void> {
    await this.waitUntil(
      `${indexes.map((i) => this.name(i)).join(', ')} all CONNECTED`,
      timeoutMs,
      async () => {
        for (const i of indexes) {
          const res = await this.view(i)
          for (const j of indexes) {
            if (j === i) continue
            const p = res.peers.find((x) => x.validator === this.identity(j))
            if (p?.state !== PeerState.PEER_STATE_CONNECTED) return false
          }
        }
        return true
      },
    )
  }

  /** A JSON-RPC call to the registry stand-in. */
  async rpc(method: string, params: unknown[]): Promise<unknown> {
    const res = await fetch(this.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(5000),
    })
    const body = (await res.json()) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }

  async stop(): Promise<void> {
    for (const c of this.clientCache.values()) c.close()
    this.clientCache.clear()
    this.children.killAllNow()
    for (const name of this.children.pids().keys()) await this.children.exited(name)
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** Resident set size of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1])
  return kb / 1024
}

/** Is a process with this pid still running? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Prints a measured figure so it shows in the test output. */
export function figure(text: string): void {
  process.stdout.write(`  [figure] ${text}\n`)
}
