/**
 * The two account layouts of the Paraloom registry program (registry.md,
 * "Accounts"): an 8-byte Anchor discriminator, then Borsh. Bytes after the
 * struct are Anchor's pre-allocated padding and are ignored.
 */
import { createHash } from 'node:crypto'
import { NETWORKS, type NetworkName } from '@paraloom/interface'
import { BorshReader, BorshWriter } from './borsh.js'
import { AccountDecodeError } from './errors.js'

/** A network's on-chain `u8` tag: its index in `NETWORKS`. */
export function networkTag(network: NetworkName): number {
  return NETWORKS.indexOf(network)
}

/** Caps from the `ValidatorAccount` table: "at most 4, each at most 128 bytes of UTF-8". */
export const VALIDATOR_LIMITS = { maxMultiaddrs: 4, maxMultiaddrBytes: 128 } as const

/** First 8 bytes of `sha256("account:<StructName>")`. */
export function anchorDiscriminator(structName: string): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(`account:${structName}`).digest().subarray(0, 8),
  )
}

export const REGISTRY_DISCRIMINATOR = anchorDiscriminator('ValidatorRegistry')
export const VALIDATOR_DISCRIMINATOR = anchorDiscriminator('ValidatorAccount')

/** Byte offset of the `network` field in a `ValidatorAccount` (the memcmp filter target). */
export const VALIDATOR_NETWORK_OFFSET = 40
/** Size of a `ValidatorRegistry` (no variable-length fields). */
export const REGISTRY_ACCOUNT_SIZE = 74
/** Largest possible `ValidatorAccount` struct: fixed part + 4 multiaddrs of 128 bytes. */
export const VALIDATOR_ACCOUNT_MAX_SIZE =
  75 + 4 + VALIDATOR_LIMITS.maxMultiaddrs * (4 + VALIDATOR_LIMITS.maxMultiaddrBytes)

export interface ValidatorRegistry {
  /** 32-byte authority public key. */
  authority: Uint8Array
  network: NetworkName
  totalValidators: bigint
  activeValidators: bigint
  /** Lamports a validator must stake to be used. */
  minimumStake: bigint
  totalActiveStake: bigint
  bump: number
}

export interface ValidatorAccount {
  /** The validator's 32-byte ed25519 public key (= its libp2p PeerId key). */
  identity: Uint8Array
  network: NetworkName
  isActive: boolean
  /** Lamports. */
  stakeAmount: bigint
  reputationScore: bigint
  /** Unix seconds. */
  registeredAt: bigint
  /** Unix seconds. */
  lastActive: bigint
  bump: number
  multiaddrs: string[]
}

function readDiscriminator(r: BorshReader, expected: Uint8Array, structName: string): void {
  const got = r.fixed(8, 'discriminator')
  if (!got.every((b, i) => b === expected[i])) {
    throw new AccountDecodeError('BadDiscriminator', 0, `not a ${structName} account`)
  }
}

function readNetwork(r: BorshReader): NetworkName {
  const at = r.offset
  const tag = r.u8('network')
  const network = NETWORKS[tag]
  if (network === undefined)
    throw new AccountDecodeError('BadTag', at, `unknown network tag ${tag}`)
  return network
}

export function decodeValidatorRegistry(data: Uint8Array): ValidatorRegistry {
  const r = new BorshReader(data)
  readDiscriminator(r, REGISTRY_DISCRIMINATOR, 'ValidatorRegistry')
  return {
    authority: r.fixed(32, 'authority').slice(),
    network: readNetwork(r),
    totalValidators: r.u64('total_validators'),
    activeValidators: r.u64('active_validators'),
    minimumStake: r.u64('minimum_stake'),
    totalActiveStake: r.u64('total_active_stake'),
    bump: r.u8('bump'),
  }
}

export function decodeValidatorAccount(data: Uint8Array): ValidatorAccount {
  const r = new BorshReader(data)
  readDiscriminator(r, VALIDATOR_DISCRIMINATOR, 'ValidatorAccount')
  const identity = r.fixed(32, 'identity').slice()
  const network = readNetwork(r)
  const isActive = r.bool('is_active')
  const stakeAmount = r.u64('stake_amount')
  const reputationScore = r.u64('reputation_score')
  const registeredAt = r.i64('registered_at')
  const lastActive = r.i64('last_active')
  const bump = r.u8('bump')
  // registry.md: multiaddrs is "at most 4, each at most 128 bytes of UTF-8".
  const count = r.count(VALIDATOR_LIMITS.maxMultiaddrs, 'multiaddrs count')
  const multiaddrs: string[] = []
  for (let i = 0; i < count; i++) {
    multiaddrs.push(r.string(VALIDATOR_LIMITS.maxMultiaddrBytes, `multiaddrs[${i}]`))
  }
  return {
    identity,
    network,
    isActive,
    stakeAmount,
    reputationScore,
    registeredAt,
    lastActive,
    bump,
    multiaddrs,
  }
}

/** Pads `data` with zeros up to `space` bytes, as Anchor allocates accounts ahead. */
function padTo(data: Uint8Array, space: number | undefined): Uint8Array {
  if (space === undefined || space <= data.length) return data
  const out = new Uint8Array(space)
  out.set(data)
  return out
}

export function encodeValidatorRegistry(
  v: ValidatorRegistry,
  options: { space?: number } = {},
): Uint8Array {
  const w = new BorshWriter()
    .fixed(REGISTRY_DISCRIMINATOR)
    .fixed(v.authority)
    .u8(networkTag(v.network))
    .u64(v.totalValidators)
    .u64(v.activeValidators)
    .u64(v.minimumStake)
    .u64(v.totalActiveStake)
    .u8(v.bump)
  return padTo(w.finish(), options.space)
}

/**
 * Encodes a `ValidatorAccount`. It writes what it is given, caps included, so
 * tests can build over-cap accounts; `space` pads with zeros like Anchor.
 */
export function encodeValidatorAccount(
  v: ValidatorAccount,
  options: { space?: number } = {},
): Uint8Array {
  const w = new BorshWriter()
    .fixed(VALIDATOR_DISCRIMINATOR)
    .fixed(v.identity)
    .u8(networkTag(v.network))
    .bool(v.isActive)
    .u64(v.stakeAmount)
    .u64(v.reputationScore)
    .i64(v.registeredAt)
    .i64(v.lastActive)
    .u8(v.bump)
    .u32(v.multiaddrs.length)
  for (const m of v.multiaddrs) w.string(m)
  return padTo(w.finish(), options.space)
}
