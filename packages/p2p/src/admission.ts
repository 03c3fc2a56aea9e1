/**
 * Who may connect (network.md, "Admission"). In `validators` mode only the
 * registry's active validators and the allow-list get past Noise; in `open`
 * mode anyone does (gossip validators still accept only validator-signed
 * messages). The deny-list and temporary bans (a gossip spammer) win over
 * both. The gater checks the `*EncryptedConnection` hooks because the PeerId
 * is known only after the Noise handshake.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ConfigError, type ValidatorDirectory } from '@paraloom/interface'
import { peerIdFromSolanaAddress } from './identity.js'

export type AdmissionMode = 'validators' | 'open'

export interface AdmissionInit {
  mode: AdmissionMode
  directory: ValidatorDirectory
  /** PeerIds (or Solana addresses) admitted besides the validators. */
  allow?: readonly string[]
  /** PeerIds (or Solana addresses) never admitted, validators included. */
  deny?: readonly string[]
  /** Most peers banned at once; the ban closest to expiry is dropped beyond it. @default 1024 */
  maxBans?: number
  nowMs?: () => number
}

const DEFAULT_MAX_BANS = 1024

/** Parses a PeerId string or a base58 Solana address; `field` names the option in errors. */
export function parsePeer(value: string, field: string): PeerId {
  try {
    return peerIdFromString(value)
  } catch {
    try {
      return peerIdFromSolanaAddress(value)
    } catch {
      throw new ConfigError(
        { code: 'InvalidOption', field },
        `"${value}" is neither a PeerId nor a Solana address`,
      )
    }
  }
}

export class Admission {
  readonly mode: AdmissionMode
  private readonly directory: ValidatorDirectory
  private readonly allow: ReadonlySet<string>
  private readonly deny: ReadonlySet<string>
  private readonly bans = new Map<string, number>()
  private readonly maxBans: number
  private readonly nowMs: () => number

  constructor(init: AdmissionInit) {
    this.mode = init.mode
    this.directory = init.directory
    this.allow = new Set((init.allow ?? []).map((p) => parsePeer(p, 'allow').toString()))
    this.deny = new Set((init.deny ?? []).map((p) => parsePeer(p, 'deny').toString()))
    this.maxBans = init.maxBans ?? DEFAULT_MAX_BANS
    this.nowMs = init.nowMs ?? Date.now
  }

  /** Is `peerId` an active validator in the registry right now? */
  isValidator(peerId: PeerId): boolean {
    return peerId.type === 'Ed25519' && this.directory.isActiveValidator(peerId.publicKey.raw)
  }

  /** May `peerId` hold a connection to this node? */
  isAdmitted(peerId: PeerId): boolean {
    const key = peerId.toString()
    if (this.deny.has(key) || this.isBanned(key)) return false
    if (this.mode === 'open') return true
    return this.allow.has(key) || this.isValidator(peerId)
  }

  /** Refuses `peerId` for `durationMs` from now. */
  ban(peerId: PeerId, durationMs: number): void {
    const key = peerId.toString()
    this.bans.delete(key)
    if (this.bans.size >= this.maxBans) this.dropSoonestBan()
    this.bans.set(key, this.nowMs() + durationMs)
  }

  isBanned(key: string): boolean {
    const until = this.bans.get(key)
    if (until == null) return false
    if (until > this.nowMs()) return true
    this.bans.delete(key)
    return false
  }

  /** The libp2p connection gater for this admission policy. */
  gater(): ConnectionGater {
    const deny = (peerId: PeerId): boolean => !this.isAdmitted(peerId)
    return {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
    }
  }

  private dropSoonestBan(): void {
    let soonest: string | undefined
    let soonestUntil = Number.POSITIVE_INFINITY
    for (const [key, until] of this.bans) {
      if (until < soonestUntil) {
        soonest = key
        soonestUntil = until
      }
    }
    if (soonest != null) this.bans.delete(soonest)
  }
}
