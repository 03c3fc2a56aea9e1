/**
 * registry.md, "Reading it": one snapshot is `getProgramAccounts` (base64,
 * memcmp on the discriminator and the network byte) plus the registry PDA.
 */
import type { NetworkName } from '@paraloom/interface'
import {
  type Address,
  type Base64EncodedBytes,
  createSolanaRpcFromTransport,
  type Rpc,
  type SolanaRpcApi,
} from '@solana/kit'
import { AccountDecodeError, RegistryRpcError } from './errors.js'
import {
  decodeValidatorRegistry,
  networkTag,
  VALIDATOR_DISCRIMINATOR,
  VALIDATOR_NETWORK_OFFSET,
  type ValidatorRegistry,
} from './layout.js'
import { findRegistryPda } from './pda.js'
import type { RawAccount } from './seeds.js'
import { parseAccount, parseContextValue, parseKeyedAccount } from './shapes.js'
import { createBoundedTransport } from './transport.js'

export type RegistryRpc = Rpc<SolanaRpcApi>

/** Limits of one snapshot read. */
export interface SnapshotLimits {
  /** More program accounts than this is an error (the last good snapshot stays). @default 10_000 */
  maxAccounts: number
  /** Largest account data accepted, in bytes. @default 4096 */
  maxAccountDataBytes: number
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = {
  maxAccounts: 10_000,
  maxAccountDataBytes: 4096,
}

export interface RegistryTarget {
  programId: Address
  network: NetworkName
}

/** The raw accounts of one read, before validation. */
export interface RawSnapshot {
  /** Slot the program accounts were read at. */
  slot: bigint
  registryAccount: RawAccount
  registry: ValidatorRegistry
  accounts: RawAccount[]
}

/** A Kit RPC client over the bounded transport. */
export function createRegistryRpc(options: {
  url: string
  requestTimeoutMs: number
  maxResponseBytes: number
}): RegistryRpc {
  return createSolanaRpcFromTransport(createBoundedTransport(options)) as RegistryRpc
}

/** The memcmp filters selecting this network's `ValidatorAccount`s. */
export function validatorFilters(network: NetworkName) {
  return [
    {
      memcmp: {
        offset: 0n,
        bytes: Buffer.from(VALIDATOR_DISCRIMINATOR).toString('base64') as Base64EncodedBytes,
        encoding: 'base64' as const,
      },
    },
    {
      memcmp: {
        offset: BigInt(VALIDATOR_NETWORK_OFFSET),
        bytes: Buffer.from([networkTag(network)]).toString('base64') as Base64EncodedBytes,
        encoding: 'base64' as const,
      },
    },
  ]
}

/** Checks and decodes the registry account itself; any problem is a `bad-registry` error. */
export function checkRegistryAccount(raw: RawAccount, target: RegistryTarget): ValidatorRegistry {
  if (raw.owner !== target.programId) {
    throw new RegistryRpcError('BadRegistry', `registry ${raw.address} is owned by ${raw.owner}`)
  }
  let registry: ValidatorRegistry
  try {
    registry = decodeValidatorRegistry(raw.data)
  } catch (err) {
    if (!(err instanceof AccountDecodeError)) throw err
    throw new RegistryRpcError('BadRegistry', `registry ${raw.address}: ${err.message}`)
  }
  if (registry.network !== target.network) {
    throw new RegistryRpcError(
      'BadRegistry',
      `registry ${raw.address} serves ${registry.network}, not ${target.network}`,
    )
  }
  return registry
}

async function readRegistryAccount(
  rpc: RegistryRpc,
  target: RegistryTarget,
  limits: SnapshotLimits,
  signal?: AbortSignal,
): Promise<{ raw: RawAccount; registry: ValidatorRegistry }> {
  const pda = await findRegistryPda(target.programId)
  const result: unknown = await rpc
    .getAccountInfo(pda.address, { encoding: 'base64' })
    .send({ abortSignal: signal })
  const { value } = parseContextValue(result, 'getAccountInfo')
  if (value === null) {
    throw new RegistryRpcError('BadRegistry', `registry account ${pda.address} does not exist`)
  }
  const raw = parseAccount(pda.address, value, limits.maxAccountDataBytes)
  return { raw, registry: checkRegistryAccount(raw, target) }
}

/**
 * Why a well-formed snapshot must not be obeyed, or undefined. The registry
 * account counts the active validators; an answer listing far fewer
 * validator accounts (none at all, from an RPC node that lost its index)
 * would drop every peer at once. The two are read in separate calls, so a
 * registration landing between them is normal: only an answer with fewer
 * accounts than half the active count is refused.
 */
export function snapshotInconsistency(snapshot: RawSnapshot): string | undefined {
  const listed = BigInt(snapshot.accounts.length)
  const active = snapshot.registry.activeValidators
  if (listed * 2n >= active) return undefined
  return `getProgramAccounts listed ${listed} validator accounts while the registry account counts ${active} active`
}

/** Reads one snapshot; throws a {@link RegistryRpcError} on any failure. */
export async function readRawSnapshot(
  rpc: RegistryRpc,
  target: RegistryTarget,
  limits: SnapshotLimits = DEFAULT_SNAPSHOT_LIMITS,
  options: { signal?: AbortSignal } = {},
): Promise<RawSnapshot> {
  const { raw: registryAccount, registry } = await readRegistryAccount(
    rpc,
    target,
    limits,
    options.signal,
  )
  const result: unknown = await rpc
    .getProgramAccounts(target.programId, {
      encoding: 'base64',
      withContext: true,
      filters: validatorFilters(target.network),
    })
    .send({ abortSignal: options.signal })
  const { slot, value } = parseContextValue(result, 'getProgramAccounts')
  if (!Array.isArray(value)) {
    throw new RegistryRpcError('BadShape', 'getProgramAccounts: value is not an array')
  }
  if (value.length > limits.maxAccounts) {
    throw new RegistryRpcError(
      'TooManyAccounts',
      `getProgramAccounts returned ${value.length} accounts, more than the cap of ${limits.maxAccounts}`,
    )
  }
  const accounts = value.map((v) => parseKeyedAccount(v, limits.maxAccountDataBytes))
  return { slot, registryAccount, registry, accounts }
}
