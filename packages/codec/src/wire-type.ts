import { type Compiled, compile } from './compile.js'
import { allocateOutput } from './output.js'
import type { Schema } from './schema.js'

/** Options for {@link WireType.decode}. */
export interface DecodeOptions {
  /**
   * Size cap in bytes, checked before anything is decoded; replaces the
   * type's default {@link WireType.maxBytes}. A non-negative integer.
   */
  maxBytes?: number
  /**
   * How fixed-size byte arrays (`[u8; N]`: hashes, keys, signatures, job
   * ids) come back. `'copy'` (the default): each in its own small buffer, so
   * keeping one (a voter key in a peer map, say) keeps 32 bytes alive, not
   * the whole input; a view would pin the input's entire buffer, which may be
   * a large network read. `'view'`: views that alias `bytes`, for a caller
   * that drops the value before the input. Variable-length `Vec<u8>` fields
   * (transactions, proofs, outputs) are always views: copying them would
   * double the work on large messages.
   */
  fixedBytes?: 'copy' | 'view'
}

/** A wire type: its bincode encoding, bounded decoding and canonical JSON. */
export interface WireType<T> {
  /** Rust type name, e.g. `'Vote'`. */
  readonly name: string
  /** Default per-use size cap in bytes (wire.md rule 1). */
  readonly maxBytes: number
  /** Exact bincode bytes of `value`. Throws `InvalidValueError` for a value that does not fit the type. */
  encode(value: T): Uint8Array
  /** The exact length of `encode(value)`. Throws `InvalidValueError` like `encode`. */
  encodedSize(value: T): number
  /**
   * Writes the bincode bytes of `value` into `buffer` at `offset` (default 0)
   * and returns how many it wrote, for a caller that reuses one buffer.
   * Throws `InvalidValueError` like `encode`, and `RangeError` (writing
   * nothing) when the value does not fit between `offset` and the end of
   * `buffer`.
   */
  encodeInto(value: T, buffer: Uint8Array, offset?: number): number
  /**
   * Decodes exactly one value from `bytes`. Throws only `CodecError` (and
   * `InvalidValueError` for bad `options`). `Vec<u8>` fields of the result
   * are views that alias `bytes` (copy them before reusing the input); fixed-size
   * byte arrays are copies unless `options.fixedBytes` is `'view'`.
   */
  decode(bytes: Uint8Array, options?: DecodeOptions): T
  /** Canonical JSON value (wire.md): `JSON.stringify` can print it as is. */
  toJson(value: T): unknown
  /** Parses a canonical JSON value; throws `InvalidValueError` naming the JSON path. */
  fromJson(json: unknown): T
}

/** A wire type whose last field is an ed25519 signature over its other bytes. */
export interface SignedWireType<T extends { signature: Uint8Array }> extends WireType<T> {
  /** ASCII domain tag prepended to the signed bytes, e.g. `'paraloom/vote/v1'`. */
  readonly domain: string
  /** The 32-byte ed25519 key that signs `value` (proposer, voter, executor, identity). */
  signer(value: T): Uint8Array
  /** Domain tag, then the encoding of `value` without its last 64 bytes (the signature). */
  signingBytes(value: T): Uint8Array
}

const SIGNATURE_BYTES = 64

/** Binds a schema to a Rust name and a default size cap, compiling it once. */
export function wireType<T>(name: string, schema: Schema<T>, maxBytes: number): WireType<T> {
  const compiled: Compiled<T> = compile(schema, name, maxBytes)
  return {
    name,
    maxBytes,
    encode: compiled.encode,
    encodedSize: compiled.size,
    encodeInto: compiled.encodeInto,
    decode: compiled.decode,
    toJson: (value) => schema.toJson(value),
    fromJson: (json) => schema.fromJson(json),
  }
}

/** A {@link wireType} signed under `domain` by the key that `signer` picks out. */
export function signedWireType<T extends { signature: Uint8Array }>(
  base: WireType<T>,
  domain: string,
  signer: (value: T) => Uint8Array,
): SignedWireType<T> {
  const tag = new TextEncoder().encode(domain)
  return {
    ...base,
    domain,
    signer,
    signingBytes(value) {
      // One pooled output holding the tag and the whole encoding; the result
      // is its prefix without the signature (no second buffer, no copy).
      const out = allocateOutput(tag.length + base.encodedSize(value))
      out.set(tag)
      base.encodeInto(value, out, tag.length)
      return out.subarray(0, out.length - SIGNATURE_BYTES)
    },
  }
}
