/**
 * ed25519 signatures over {@link SignedWireType.signingBytes}, with
 * `node:crypto` only (the codec has no third-party runtime dependencies).
 *
 * node:crypto takes keys only as KeyObjects, and building one (DER import)
 * costs more than the signature check itself, so key objects are built once
 * per key: public keys in a bounded least-recently-used cache (sized for a
 * validator set), private keys once per secret-key array a caller keeps.
 */
import {
  createPrivateKey,
  createPublicKey,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto'
import { InvalidValueError } from './errors.js'
import type { SignedWireType } from './wire-type.js'

// DER prefixes that wrap a raw 32-byte ed25519 seed (PKCS#8) or public key
// (SPKI), RFC 8410; node:crypto imports keys only in these containers.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const SEED_BYTES = 32
const PUBLIC_KEY_BYTES = 32
const SIGNATURE_BYTES = 64
/** Public key objects kept: a validator set, with room to spare. */
export const PUBLIC_KEY_CACHE_SIZE = 4096

/** Public KeyObjects by the key's bytes (latin1), oldest first: a Map is ordered by insertion. */
const publicKeys = new Map<string, KeyObject>()
/** Private KeyObjects by the caller's secret-key array, with the bytes they were built from. */
const privateKeys = new WeakMap<Uint8Array, { seed: Uint8Array; key: KeyObject }>()

function publicKeyObject(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1')
  let key = publicKeys.get(id)
  if (key !== undefined) {
    // Most recently used moves to the end.
    publicKeys.delete(id)
    publicKeys.set(id, key)
    return key
  }
  key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  })
  if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) {
    const oldest = publicKeys.keys().next().value
    if (oldest !== undefined) publicKeys.delete(oldest)
  }
  publicKeys.set(id, key)
  return key
}

/** How many public key objects are cached (for tests of the bound). */
export function cachedPublicKeyCount(): number {
  return publicKeys.size
}

function privateKey(secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SEED_BYTES) {
    throw new InvalidValueError(
      '$secretKey',
      'expected the 32-byte ed25519 seed (bytes 0..32 of a Solana keypair file)',
    )
  }
  // Keyed by the array, not its bytes, so no secret ends up in a map key;
  // the copy catches an array whose bytes changed since.
  const cached = privateKeys.get(secretKey)
  if (cached !== undefined && Buffer.compare(cached.seed, secretKey) === 0) return cached.key
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]),
    format: 'der',
    type: 'pkcs8',
  })
  privateKeys.set(secretKey, { seed: Uint8Array.from(secretKey), key })
  return key
}

/** The 32-byte ed25519 public key of a 32-byte seed. */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKey(secretKey)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(spki.length - PUBLIC_KEY_BYTES))
}

/**
 * A copy of `value` with its signature set to the ed25519 signature of
 * `type.signingBytes(value)` under `secretKey` (a 32-byte seed). It does not
 * check that the key is `type.signer(value)`; {@link verify} does.
 */
export function sign<T extends { signature: Uint8Array }>(
  type: SignedWireType<T>,
  value: T,
  secretKey: Uint8Array,
): T {
  const key = privateKey(secretKey)
  const signature = edSign(null, type.signingBytes(value), key)
  return { ...value, signature: new Uint8Array(signature) }
}

/**
 * Whether `value.signature` is a valid ed25519 signature by
 * `type.signer(value)` over `type.signingBytes(value)`. Never throws: a
 * malformed key, signature or value is simply `false`.
 */
export function verify<T extends { signature: Uint8Array }>(
  type: SignedWireType<T>,
  value: T,
): boolean {
  try {
    const signer = type.signer(value)
    if (signer.length !== PUBLIC_KEY_BYTES || value.signature.length !== SIGNATURE_BYTES)
      return false
    return edVerify(null, type.signingBytes(value), publicKeyObject(signer), value.signature)
  } catch {
    return false
  }
}

/**
 * {@link verify} on the bytes as received: whether the last 64 bytes of
 * `encoded` (a value of `type`) are `signer`'s signature over `type.domain`
 * then the bytes before them. It checks the very bytes that were sent, so it
 * skips re-encoding the decoded value and accepts only the one encoding that
 * was signed. Never throws.
 */
export function verifyEncoded<T extends { signature: Uint8Array }>(
  type: SignedWireType<T>,
  encoded: Uint8Array,
  signer: Uint8Array,
): boolean {
  try {
    if (signer.length !== PUBLIC_KEY_BYTES || encoded.length < SIGNATURE_BYTES) return false
    const signed = encoded.length - SIGNATURE_BYTES
    const tag = domainTag(type as unknown as SignedWireType<never>)
    const message = Buffer.allocUnsafe(tag.length + signed)
    message.set(tag)
    message.set(encoded.subarray(0, signed), tag.length)
    return edVerify(null, message, publicKeyObject(signer), encoded.subarray(signed))
  } catch {
    return false
  }
}

/** The ASCII bytes of each signed type's domain tag, encoded once per type. */
const domainTags = new WeakMap<SignedWireType<never>, Uint8Array>()

function domainTag(type: SignedWireType<never>): Uint8Array {
  let tag = domainTags.get(type)
  if (tag === undefined) {
    tag = new TextEncoder().encode(type.domain)
    domainTags.set(type, tag)
  }
  return tag
}
