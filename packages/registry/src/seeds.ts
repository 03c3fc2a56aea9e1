/**
 * registry.md, "Which accounts become seed peers": turns raw program accounts
 * into seed peers. Every skipped account and every dropped multiaddr yields
 * one warning naming the account address and the reason.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { NetworkName, SeedPeer } from '@paraloom/interface'
import { type Address, getAddressDecoder } from '@solana/kit'
import { AccountDecodeError } from './errors.js'
import { decodeValidatorAccount, type ValidatorAccount } from './layout.js'
import { findValidatorPda } from './pda.js'
import type { RegistryWarning } from './warnings.js'

const addressDecoder = getAddressDecoder()

/** A program account as read from RPC (or the cache). */
export interface RawAccount {
  /** Base58 account address. */
  address: string
  /** Base58 owner program. */
  owner: string
  data: Uint8Array
}

/** The outcome of the checks that depend only on the account itself. */
export interface AccountCheck {
  /** The peer this account describes, or undefined when skipped. */
  peer?: SeedPeer
  account?: ValidatorAccount
  warnings: RegistryWarning[]
}

export interface AccountCheckContext {
  programId: Address
  network: NetworkName
}

/** The libp2p PeerId string of a 32-byte ed25519 public key. */
export function peerIdOfKey(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}

type MultiaddrVerdict = { addr: string } | { drop: string } | { suspect: string }

function checkMultiaddr(text: string, peerId: string): MultiaddrVerdict {
  let components: { name: string; value?: string }[]
  try {
    components = multiaddr(text).getComponents()
  } catch (err) {
    return { drop: `multiaddr ${JSON.stringify(text)} does not parse: ${(err as Error).message}` }
  }
  const last = components.at(-1)
  if (last?.name === 'p2p') {
    if (last.value !== peerId) {
      return { suspect: `multiaddr ${JSON.stringify(text)} names another peer (${last.value})` }
    }
    return { addr: text }
  }
  return { addr: `${text}/p2p/${peerId}` }
}

/**
 * Checks owner, layout, PDA address, network and multiaddrs of one account.
 * Activity and stake are checked by {@link selectSeedPeers}, since they
 * depend on the registry's current minimum stake.
 */
export async function checkValidatorAccount(
  raw: RawAccount,
  ctx: AccountCheckContext,
): Promise<AccountCheck> {
  const skip = (reason: string): AccountCheck => ({
    warnings: [{ address: raw.address, reason }],
  })
  if (raw.owner !== ctx.programId) return skip(`owner is ${raw.owner}, not the registry program`)
  let account: ValidatorAccount
  try {
    account = decodeValidatorAccount(raw.data)
  } catch (err) {
    if (err instanceof AccountDecodeError) return skip(`does not decode: ${err.message}`)
    throw err
  }
  const pda = await findValidatorPda(ctx.programId, account.identity)
  if (pda.address !== raw.address)
    return skip(`address is not PDA(validator, identity) ${pda.address}`)
  if (account.network !== ctx.network) {
    return skip(`network is ${account.network}, not ${ctx.network}`)
  }
  const identity = addressDecoder.decode(account.identity)
  let peerId: string
  try {
    peerId = peerIdOfKey(account.identity)
  } catch (err) {
    return skip(`identity is not an ed25519 key: ${(err as Error).message}`)
  }
  const warnings: RegistryWarning[] = []
  const multiaddrs: string[] = []
  for (const text of account.multiaddrs) {
    const verdict = checkMultiaddr(text, peerId)
    if ('suspect' in verdict) return skip(verdict.suspect)
    if ('drop' in verdict) warnings.push({ address: raw.address, reason: verdict.drop })
    else multiaddrs.push(verdict.addr)
  }
  if (multiaddrs.length === 0)
    return { warnings: [...warnings, ...skip('no usable multiaddr').warnings] }
  const peer: SeedPeer = {
    identity,
    publicKey: account.identity,
    peerId,
    multiaddrs,
    stake: account.stakeAmount,
    reputation: account.reputationScore,
  }
  return { peer, account, warnings }
}

/** The seed peers of a set of checked accounts, with the warnings of those skipped. */
export interface SeedSelection {
  seeds: SeedPeer[]
  warnings: RegistryWarning[]
}

/**
 * Applies the checks that depend on the registry account (activity,
 * `stake_amount >= minimum_stake`). A second account claiming an identity
 * cannot get here: its address is not that identity's PDA.
 */
export function selectSeedPeers(
  checks: ReadonlyMap<string, AccountCheck>,
  minimumStake: bigint,
): SeedSelection {
  const seeds: SeedPeer[] = []
  const warnings: RegistryWarning[] = []
  for (const [address, check] of checks) {
    warnings.push(...check.warnings)
    const { peer, account } = check
    if (peer === undefined || account === undefined) continue
    if (!account.isActive) {
      warnings.push({ address, reason: 'validator is not active' })
    } else if (account.stakeAmount < minimumStake) {
      warnings.push({
        address,
        reason: `stake ${account.stakeAmount} is below the minimum ${minimumStake}`,
      })
    } else {
      seeds.push(peer)
    }
  }
  return { seeds, warnings }
}
