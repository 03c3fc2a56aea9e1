/**
 * The files a devnet runs from: genesis accounts for the registry and one
 * validator.toml per validator. Both are rewritten on every run (ports may
 * shift); only the keypairs persist.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { NetworkName } from '@paraloom/p2p'
import { type Address, buildGenesisAccounts, writeGenesisFiles } from '@paraloom/registry'
import { stringify } from 'smol-toml'
import type { DevnetIdentities } from './identities.js'
import { DEFAULT_PORTS, type DevnetLayout, type PortPlan, type ValidatorLayout } from './layout.js'

/** Stake written for every devnet validator, in lamports (1 SOL). */
export const DEVNET_STAKE_LAMPORTS = 1_000_000_000n

/** Liveness and registry timings of the devnet's validators. */
export interface DevnetTimings {
  pingIntervalMs: number
  pingTimeoutMs: number
  slowRttMs: number
  offlineAfterMissed: number
  refreshSecs: number
}

/**
 * Faster than the production defaults (5 s pings, 30 s refresh) so a local
 * network settles in seconds; same thresholds otherwise.
 */
export const DEVNET_TIMINGS: DevnetTimings = {
  pingIntervalMs: 2000,
  pingTimeoutMs: 2000,
  slowRttMs: 500,
  offlineAfterMissed: 3,
  refreshSecs: 10,
}

/** Where one validator listens and what the registry says about it. */
export interface ValidatorEndpoints {
  p2pListen: string
  /** Put in the DHT record; empty means the listen addresses. */
  announce: string[]
  /** The multiaddr written into the validator's registry account. */
  registered: string
  grpcListen: string
  metricsListen: string
}

/**
 * How validators are addressed: `loopback` runs every validator on
 * 127.0.0.1 with its own ports (the process devnet); `hosts` gives each its
 * own IPv4 address, `firstIp` for the first and one more for each next, all
 * on the default ports (docker-compose, where each validator is a container
 * with a fixed address), and the port plan is not used.
 */
export type Addressing = { kind: 'loopback' } | { kind: 'hosts'; firstIp: string }

/** `firstIp` plus `index` in its last octet; throws RangeError past .254. */
export function nthIpv4(firstIp: string, index: number): string {
  const octets = firstIp.split('.').map(Number)
  const valid =
    octets.length === 4 && octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255)
  if (!valid || !/^[\d.]+$/.test(firstIp)) throw new RangeError(`${firstIp} is not an IPv4 address`)
  const last = octets[3]! + index
  if (last > 254) throw new RangeError(`${firstIp} + ${index} runs past .254`)
  return [...octets.slice(0, 3), last].join('.')
}

export function validatorEndpoints(
  addressing: Addressing,
  plan: PortPlan,
  v: ValidatorLayout,
): ValidatorEndpoints {
  if (addressing.kind === 'loopback') {
    const ports = plan.validators[v.index]!
    const p2p = `/ip4/127.0.0.1/tcp/${ports.p2p}`
    return {
      p2pListen: p2p,
      announce: [],
      registered: p2p,
      grpcListen: `127.0.0.1:${ports.grpc}`,
      metricsListen: `127.0.0.1:${ports.metrics}`,
    }
  }
  const registered = `/ip4/${nthIpv4(addressing.firstIp, v.index)}/tcp/${DEFAULT_PORTS.p2p}`
  return {
    p2pListen: `/ip4/0.0.0.0/tcp/${DEFAULT_PORTS.p2p}`,
    announce: [registered],
    registered,
    grpcListen: `0.0.0.0:${DEFAULT_PORTS.grpc}`,
    metricsListen: `0.0.0.0:${DEFAULT_PORTS.metrics}`,
  }
}

/**
 * Replaces the genesis directory's account files with the registry and one
 * active validator per identity, registered at `endpoints[i].registered`.
 * Returns the number of files written.
 */
export async function writeDevnetGenesis(
  layout: DevnetLayout,
  identities: DevnetIdentities,
  network: NetworkName,
  endpoints: readonly ValidatorEndpoints[],
): Promise<number> {
  await mkdir(layout.genesisDir, { recursive: true })
  // Files of validators from an earlier, larger run would register them again.
  for (const name of await readdir(layout.genesisDir)) {
    if (name.endsWith('.json')) await rm(join(layout.genesisDir, name))
  }
  const accounts = await buildGenesisAccounts({
    programId: identities.programId as Address,
    network,
    validators: identities.validators.map((keypair, i) => ({
      identity: keypair.publicKey,
      network,
      multiaddrs: [endpoints[i]!.registered],
      stake: DEVNET_STAKE_LAMPORTS,
    })),
  })
  return (await writeGenesisFiles(layout.genesisDir, accounts)).length
}

export interface ValidatorConfigInit {
  network: NetworkName
  programId: string
  rpcUrl: string
  endpoints: ValidatorEndpoints
  timings: DevnetTimings
  /** @default 'validators' */
  admission?: 'validators' | 'open'
  /** PeerIds admitted besides the validators. @default [] */
  allow?: string[]
}

/** validator.toml for `v`; paths are relative to the config's own directory. */
export function validatorConfigToml(v: ValidatorLayout, init: ValidatorConfigInit): string {
  const t = init.timings
  const doc = {
    network: init.network,
    state_dir: `./${relative(v.dir, v.stateDir)}`,
    identity: { keypair: relative(v.dir, v.keypairPath) },
    p2p: {
      listen: [init.endpoints.p2pListen],
      announce: init.endpoints.announce,
      admission: init.admission ?? 'validators',
      allow: init.allow ?? [],
    },
    registry: { rpc_url: init.rpcUrl, program_id: init.programId, refresh_secs: t.refreshSecs },
    liveness: {
      ping_interval_ms: t.pingIntervalMs,
      ping_timeout_ms: t.pingTimeoutMs,
      slow_rtt_ms: t.slowRttMs,
      offline_after_missed: t.offlineAfterMissed,
    },
    grpc: { listen: init.endpoints.grpcListen },
    metrics: { listen: init.endpoints.metricsListen },
  }
  return `# Written by \`paraloom-devnet\`; rewritten on every run.\n${stringify(doc)}\n`
}

/** Writes `v`'s validator.toml (and creates its directory). */
export async function writeValidatorConfig(
  v: ValidatorLayout,
  init: ValidatorConfigInit,
): Promise<void> {
  await mkdir(v.dir, { recursive: true })
  await writeFile(v.configPath, validatorConfigToml(v, init))
}
