import { ParaloomError } from '@paraloom/interface'

/**
 * What went wrong while decoding (wire.md, "Errors"); these names are part of
 * the wire contract.
 *
 * - `TooLarge`: the input is longer than `maxBytes`, or a declared length or
 *   count exceeds a schema cap (e.g. more than 8 multiaddrs).
 * - `Truncated`: the input ended, or a declared length or count runs past its end.
 * - `TrailingBytes`: bytes remain after the value.
 * - `InvalidTag`: an enum index, `Option` tag or `bool` byte is out of range.
 * - `InvalidUtf8`: a `String` is not valid UTF-8.
 */
export type CodecErrorCode =
  | 'TooLarge'
  | 'Truncated'
  | 'TrailingBytes'
  | 'InvalidTag'
  | 'InvalidUtf8'

/**
 * The only error a decoder throws. `offset` is the byte offset in the input
 * where decoding stopped: the start of the field (length prefix, tag, integer)
 * that was rejected, the end of the value for `TrailingBytes`, and `maxBytes`
 * for an input over the size cap. Encoders throw it too (`TooLarge`) when a
 * value breaks a schema cap, so that nothing is written that cannot be read
 * back; then `offset` is the position in the output.
 */
export class CodecError extends ParaloomError<{ code: CodecErrorCode; offset: number }> {
  static override readonly name = 'CodecError'
  readonly offset: number

  constructor(code: CodecErrorCode, offset: number, message: string) {
    super({ code, offset }, `${code} at byte ${offset}: ${message}`)
    this.offset = offset
  }
}

/**
 * A value that does not fit its wire type: a JSON value of the wrong shape
 * passed to `fromJson`, or a TS value out of range passed to `encode` (a u32
 * above 2^32-1, a 31-byte hash, a string with a lone surrogate). `path` says
 * where, e.g. `$.header.parent_hash` (JSON field names for `fromJson`, TS
 * field names for `encode`).
 */
export class InvalidValueError extends ParaloomError<{
  code: 'InvalidValue'
  path: string
  reason: string
}> {
  static override readonly name = 'InvalidValueError'
  readonly path: string
  /** What was wrong, without the path. */
  readonly reason: string

  constructor(path: string, reason: string) {
    super({ code: 'InvalidValue', path, reason }, `${path}: ${reason}`)
    this.path = path
    this.reason = reason
  }
}
