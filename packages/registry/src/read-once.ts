import type { NetworkName, SeedPeer } from '@paraloom/interface'
import type { Address } from '@solana/kit'
import type { ValidatorRegistry } from './layout.js'
import { type AccountCheck, checkValidatorAccount, selectSeedPeers } from './seeds.js'
import {
  createRegistryRpc,
  DEFAULT_SNAPSHOT_LIMITS,
  readRawSnapshot,
  type SnapshotLimits,
} from './snapshot.js'
import type { RegistryWarning } from './warnings.js'

export interface RegistryReadResult {
  registry: ValidatorRegistry
  seeds: SeedPeer[]
  /** One per skipped account or dropped multiaddr. */
  warnings: RegistryWarning[]
}

/**
 * One snapshot, validated, without a running client (what `paraloom registry
 * list` prints). Throws a `RegistryRpcError` when the RPC fails.
 */
export async function readRegistryOnce(
  init: {
    rpcUrl: string
    programId: Address
    network: NetworkName
    /** @default 10_000 */
    requestTimeoutMs?: number
    /** @default 32 MiB */
    maxResponseBytes?: number
  } & Partial<SnapshotLimits>,
  options: { signal?: AbortSignal } = {},
): Promise<RegistryReadResult> {
  const rpc = createRegistryRpc({
    url: init.rpcUrl,
    requestTimeoutMs: init.requestTimeoutMs ?? 10_000,
    maxResponseBytes: init.maxResponseBytes ?? 32 * 1024 * 1024,
  })
  const limits = { ...DEFAULT_SNAPSHOT_LIMITS, ...init }
  const snapshot = await readRawSnapshot(rpc, init, limits, options)
  const checks = new Map<string, AccountCheck>()
  for (const raw of snapshot.accounts)
    checks.set(raw.address, await checkValidatorAccount(raw, init))
  return { registry: snapshot.registry, ...selectSeedPeers(checks, snapshot.registry.minimumStake) }
}
