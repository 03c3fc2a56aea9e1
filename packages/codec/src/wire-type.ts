import { CodecError, InvalidValueError } from './errors.js'
import { Reader } from './reader.js'
import type { Schema } from './schema.js'
import { Writer } from './writer.js'

/** Options for {@link WireType.decode}. */
export interface DecodeOptions {
  /**
   * Size cap in bytes, checked before anything is decoded; replaces the
   * type's default {@link WireType.maxBytes}. A non-negative integer.
   */
  maxBytes?: number
}

/** A wire type: its bincode encoding, bounded decoding and canonical JSON. */
export interface WireType<T> {
  /** Rust type name, e.g. `'Vote'`. */
  readonly name: string
  /** Default per-use size cap in bytes (wire.md rule 1). */
  readonly maxBytes: number
  /** Exact bincode bytes of `value`. Throws `InvalidValueError` for a value that does not fit the type. */
  encode(value: T): Uint8Array
  /**
   * Decodes exactly one value from `bytes`. Throws only `CodecError` (and
   * `InvalidValueError` for a bad `options.maxBytes`). Byte fields of the
   * result are views that alias `bytes`: copy them before reusing the input.
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

function checkMaxBytes(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new InvalidValueError(
      '$options.maxBytes',
      `expected a non-negative integer, got ${maxBytes}`,
    )
  }
  return maxBytes
}

/** Binds a schema to a Rust name and a default size cap. */
export function wireType<T>(name: string, schema: Schema<T>, maxBytes: number): WireType<T> {
  return {
    name,
    maxBytes,
    encode(value) {
      const w = new Writer(schema.size(value))
      schema.write(w, value)
      return w.bytes
    },
    decode(bytes, options) {
      const cap = options?.maxBytes === undefined ? maxBytes : checkMaxBytes(options.maxBytes)
      // wire.md rule 1: the size cap comes before any decoding.
      if (bytes.length > cap) {
        throw new CodecError(
          'TooLarge',
          cap,
          `${name} input is ${bytes.length} bytes, cap is ${cap}`,
        )
      }
      const r = new Reader(bytes)
      const value = schema.read(r)
      // wire.md rule 3: trailing bytes are an error.
      if (r.pos !== bytes.length) {
        throw new CodecError(
          'TrailingBytes',
          r.pos,
          `${bytes.length - r.pos} bytes after the ${name}`,
        )
      }
      return value
    },
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
      const encoded = base.encode(value)
      const out = new Uint8Array(tag.length + encoded.length - SIGNATURE_BYTES)
      out.set(tag)
      out.set(encoded.subarray(0, encoded.length - SIGNATURE_BYTES), tag.length)
      return out
    },
  }
}
