/**
 * ed25519 signatures over {@link SignedWireType.signingBytes}, with
 * `node:crypto` only (the codec has no runtime dependencies).
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

function privateKey(secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SEED_BYTES) {
    throw new InvalidValueError(
      '$secretKey',
      'expected the 32-byte ed25519 seed (bytes 0..32 of a Solana keypair file)',
    )
  }
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]),
    format: 'der',
    type: 'pkcs8',
  })
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
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, signer]),
      format: 'der',
      type: 'spki',
    })
    return edVerify(null, type.signingBytes(value), key, value.signature)
  } catch {
    return false
  }
}
