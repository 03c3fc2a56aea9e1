/**
 * @packageDocumentation
 *
 * Bounded bincode for the Paraloom wire types: exactly the bytes Rust
 * `bincode` 1.3 writes (fixed-width little-endian integers, u64 lengths, u32
 * enum indices), decoded with a size cap checked first, every declared length
 * checked against the remaining input before anything is allocated, and
 * trailing bytes rejected. A decoder throws only {@link CodecError}, whose
 * `code` says what was wrong and `offset` where.
 *
 * Decoded fixed-size byte arrays (hashes, keys, signatures) are copies by
 * default, so keeping one does not keep the whole input alive; pass
 * `{ fixedBytes: 'view' }` for views. `Vec<u8>` fields (transactions, proofs,
 * outputs) are always views that alias the input buffer: copy them
 * (`slice()`) before the input is reused or mutated.
 *
 * @example
 *
 * ```ts
 * import { randomBytes } from 'node:crypto'
 * import { CodecError, Vote, publicKeyFromSecret, sign, verify } from '@paraloom/codec'
 *
 * const secretKey = randomBytes(32) // an ed25519 seed
 * const vote = sign(Vote, {
 *   network: 'Devnet',
 *   height: 42n,
 *   round: 0,
 *   kind: 'Prevote',
 *   blockHash: new Uint8Array(32),
 *   voter: publicKeyFromSecret(secretKey),
 *   signature: new Uint8Array(64),
 * }, secretKey)
 *
 * const bytes = Vote.encode(vote)              // bincode, as Rust writes it
 * const back = Vote.decode(bytes)              // bounded by Vote.maxBytes (4 KiB)
 * console.log(verify(Vote, back))              // true
 * console.log(JSON.stringify(Vote.toJson(back))) // canonical JSON, u64 as strings
 *
 * try {
 *   Vote.decode(bytes.subarray(0, 10))
 * } catch (err) {
 *   if (err instanceof CodecError) console.log(err.code, err.offset) // Truncated 4
 * }
 * ```
 */

export { CodecError, type CodecErrorCode, InvalidValueError } from './errors.js'
export { fromHex, toHex } from './hex.js'
export {
  cachedPublicKeyCount,
  PUBLIC_KEY_CACHE_SIZE,
  publicKeyFromSecret,
  sign,
  verify,
  verifyEncoded,
} from './signing.js'
export type {
  BlockHeader,
  Hash,
  JobOutcome,
  Network,
  Pubkey,
  Signature,
  VoteKind,
} from './types.js'
export {
  BlockProposal,
  ComputeJobResult,
  StateSyncRequest,
  StateSyncResponse,
  sizeCaps,
  ValidatorRecord,
  Vote,
  validatorRecordLimits,
  type WireTypeName,
  WithdrawalProofRequest,
  WithdrawalProofResponse,
  wireTypes,
} from './wire.js'
export type { DecodeOptions, SignedWireType, WireType } from './wire-type.js'
