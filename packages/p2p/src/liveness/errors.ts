/** What went wrong in the liveness module; branch on this, not on the message. */
export type LivenessErrorKind =
  /** An init option is out of range or of the wrong type. */
  | 'invalid-config'
  /** A method argument is out of range (negative RTT, bad sequence, empty identity…). */
  | 'invalid-argument'
  /** The peer is not known to the registry. */
  | 'unknown-peer'
  /** Adding the peer would exceed `maxPeers`. */
  | 'registry-full'
  /** Adding the listener would exceed `maxListeners`. */
  | 'too-many-listeners'

/**
 * The one error class of the liveness module. `name` survives duplicate
 * package copies, `kind` says which check failed and the message names the
 * field or peer concerned.
 */
export class LivenessError extends Error {
  static override readonly name = 'LivenessError'
  override readonly name = 'LivenessError'
  readonly kind: LivenessErrorKind

  constructor(kind: LivenessErrorKind, message: string) {
    super(message)
    this.kind = kind
  }
}

/** Throws `invalid-config` unless `value` is an integer in `[min, max]`. */
export function checkIntegerOption(
  field: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new LivenessError(
      'invalid-config',
      `liveness option ${field} must be an integer in [${min}, ${max}], got ${String(value)}`,
    )
  }
  return value
}
