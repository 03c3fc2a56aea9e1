import { InvalidValueError } from './errors.js'

const HEX = /^(?:[0-9a-fA-F]{2})*$/

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * Bytes of an even-length hex string (either case). Throws
 * `InvalidValueError` at `path` for anything else.
 */
export function fromHex(hex: string, path = '$'): Uint8Array {
  if (!HEX.test(hex)) {
    throw new InvalidValueError(path, 'expected an even number of hex digits')
  }
  const buf = Buffer.from(hex, 'hex')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
