/**
 * A validator's libp2p identity is its Solana keypair: the ed25519 key whose
 * PeerId embeds the Solana public key, so PeerId <-> Solana address is a pure
 * function both ways (network.md, first paragraph).
 */
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PeerId, Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { fromString, toString as toBase58 } from 'uint8arrays'
import { equals } from 'uint8arrays/equals'
import { IdentityError } from './errors.js'

const SEED_BYTES = 32
const KEYPAIR_BYTES = 64

/** A node's `privateKey` option as the libp2p key: a key as it is, keypair bytes converted. */
export function privateKeyOption(key: Ed25519PrivateKey | Uint8Array): Promise<Ed25519PrivateKey> {
  return key instanceof Uint8Array ? identityFromSolanaKeypair(key) : Promise.resolve(key)
}

/**
 * Turns a Solana keypair (the 64 bytes `seed || pubkey` of a keypair file) or
 * its 32-byte seed into the libp2p Ed25519 private key. With 64 bytes the
 * derived public key must equal bytes 32..64, otherwise the file is corrupt
 * and an `IdentityError` (`KeyMismatch`) is thrown.
 */
export async function identityFromSolanaKeypair(secret: Uint8Array): Promise<Ed25519PrivateKey> {
  if (secret.length !== SEED_BYTES && secret.length !== KEYPAIR_BYTES) {
    throw new IdentityError(
      'InvalidLength',
      `a Solana keypair is ${KEYPAIR_BYTES} bytes (or a ${SEED_BYTES}-byte seed), got ${secret.length}`,
    )
  }
  // generateKeyPairFromSeed gives the ed25519 key; privateKeyFromRaw(seed) would give secp256k1.
  const key = await generateKeyPairFromSeed('Ed25519', secret.subarray(0, SEED_BYTES))
  if (secret.length === KEYPAIR_BYTES && !equals(key.publicKey.raw, secret.subarray(SEED_BYTES))) {
    throw new IdentityError(
      'KeyMismatch',
      'keypair bytes 32..64 are not the public key of bytes 0..32: the keypair file is corrupt',
    )
  }
  return key
}

/** The 32 raw ed25519 public key bytes of a base58 Solana address. */
export function publicKeyFromSolanaAddress(address: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = fromString(address, 'base58btc')
  } catch (err) {
    throw new IdentityError('InvalidAddress', `"${address}" is not base58`, { cause: err })
  }
  if (bytes.length !== SEED_BYTES) {
    throw new IdentityError(
      'InvalidAddress',
      `"${address}" decodes to ${bytes.length} bytes; a Solana address is ${SEED_BYTES}`,
    )
  }
  return bytes
}

/** The base58 Solana address of a 32-byte ed25519 public key. */
export function solanaAddressFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== SEED_BYTES) {
    throw new IdentityError(
      'InvalidLength',
      `an ed25519 public key is ${SEED_BYTES} bytes, got ${publicKey.length}`,
    )
  }
  return toBase58(publicKey, 'base58btc')
}

/** The PeerId of a 32-byte ed25519 public key (a Solana address's bytes). */
export function peerIdFromPublicKeyBytes(publicKey: Uint8Array): Ed25519PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)) as Ed25519PeerId
}

/** The PeerId of a base58 Solana address. */
export function peerIdFromSolanaAddress(address: string): Ed25519PeerId {
  return peerIdFromPublicKeyBytes(publicKeyFromSolanaAddress(address))
}

/** The 32-byte ed25519 public key inside an Ed25519 PeerId. */
export function publicKeyBytesFromPeerId(peerId: PeerId): Uint8Array {
  if (peerId.type !== 'Ed25519') {
    throw new IdentityError('NotEd25519', `${peerId.toString()} is a ${peerId.type} PeerId`)
  }
  return peerId.publicKey.raw
}

/** The base58 Solana address of an Ed25519 PeerId. */
export function solanaAddressFromPeerId(peerId: PeerId): string {
  return solanaAddressFromPublicKey(publicKeyBytesFromPeerId(peerId))
}
