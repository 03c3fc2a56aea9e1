// Real Paraloom nodes on 127.0.0.1 for the p2p tests: validator keys, a
// shared StaticDirectory, start/stop of N nodes, signed votes.
import { randomBytes } from 'node:crypto'
import { publicKeyFromSecret, sign, Vote } from '@paraloom/codec'
import type { NetworkName, SeedPeer } from '@paraloom/interface'
import {
  createParaloomNode,
  type ParaloomNode,
  type ParaloomNodeInit,
  StaticDirectory,
  seedPeer,
  WIRE_NETWORK,
} from '../../src/index.js'

export interface Validator {
  /** 32-byte ed25519 seed (Solana keypair bytes 0..32). */
  secretKey: Uint8Array
  publicKey: Uint8Array
}

export function makeValidator(): Validator {
  const secretKey = new Uint8Array(randomBytes(32))
  return { secretKey, publicKey: publicKeyFromSecret(secretKey) }
}

/** Short intervals so tests stay bounded. */
export const TEST_REFRESH_MS = 500

export type NodeOptions = Partial<Omit<ParaloomNodeInit, 'privateKey' | 'directory'>>

const running = new Set<ParaloomNode>()

/** Creates and starts a node for `validator`, listening on a free loopback port. */
export async function startNode(
  validator: Validator,
  directory: StaticDirectory,
  options: NodeOptions = {},
): Promise<ParaloomNode> {
  const node = await createParaloomNode({
    network: 'localnet',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    refreshIntervalMs: TEST_REFRESH_MS,
    dialTimeoutMs: 2000,
    ...options,
    privateKey: validator.secretKey,
    directory,
  })
  running.add(node)
  await node.start()
  return node
}

/** The SeedPeer of a started node, as the registry would list it. */
export function seedOf(validator: Validator, node: ParaloomNode): SeedPeer {
  return seedPeer(
    validator.publicKey,
    node.getMultiaddrs().map((a) => a.toString()),
  )
}

export interface Cluster {
  validators: Validator[]
  nodes: ParaloomNode[]
  directory: StaticDirectory
}

/**
 * Starts `count` validator nodes that share one StaticDirectory; each is
 * registered (its seed added) once it listens, as a registry update would.
 * `options(i)` gives per-node options.
 */
export async function startCluster(
  count: number,
  options: (index: number, validators: Validator[]) => NodeOptions = () => ({}),
  directory = new StaticDirectory(),
): Promise<Cluster> {
  const validators = Array.from({ length: count }, makeValidator)
  // Register every key first (admission), with placeholder-free seeds added as nodes listen.
  const nodes: ParaloomNode[] = []
  for (const [i, validator] of validators.entries()) {
    nodes.push(await startNode(validator, directory, options(i, validators)))
  }
  for (const [i, validator] of validators.entries()) directory.add(seedOf(validator, nodes[i]!))
  return { validators, nodes, directory }
}

/** Stops every node the helpers started (afterAll/afterEach). */
export async function stopAll(): Promise<void> {
  const nodes = [...running]
  running.clear()
  await Promise.all(nodes.map((n) => n.stop()))
}

/** A vote signed by `validator`, unique per `height`. */
export function signedVote(
  validator: Validator,
  height: bigint,
  network: NetworkName = 'localnet',
): Vote {
  return sign(
    Vote,
    {
      network: WIRE_NETWORK[network],
      height,
      round: 0,
      kind: 'Prevote',
      blockHash: new Uint8Array(32).fill(Number(height % 256n)),
      voter: validator.publicKey,
      signature: new Uint8Array(64),
    },
    validator.secretKey,
  )
}

/** Is `a` connected to `b` right now? */
export function connected(a: ParaloomNode, b: ParaloomNode): boolean {
  return a.libp2p.getConnections(b.peerId).length > 0
}

/** A P2PMetrics counter that remembers its counts by label set, for assertions. */
export class CountingCounter {
  readonly counts = new Map<string, number>()
  inc(labels: Record<string, string>, value = 1): void {
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    this.counts.set(key, (this.counts.get(key) ?? 0) + value)
  }
  get(labels: Record<string, string>): number {
    let total = 0
    for (const [key, count] of this.counts) {
      if (Object.entries(labels).every(([k, v]) => key.split(',').includes(`${k}=${v}`)))
        total += count
    }
    return total
  }
}
