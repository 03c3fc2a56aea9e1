import { ParaloomError } from '@paraloom/interface'

/** What went wrong in the liveness module; branch on this, not on the message. */
export type LivenessErrorCode =
  /** An init option is out of range or of the wrong type. */
  | 'InvalidConfig'
  /** A method argument is out of range (negative RTT, bad sequence, empty identity…). */
  | 'InvalidArgument'
  /** The peer is not known to the registry. */
  | 'UnknownPeer'
  /** Adding the peer would exceed `maxPeers`. */
  | 'RegistryFull'
  /** Adding the listener would exceed `maxListeners`. */
  | 'TooManyListeners'

/**
 * The one error class of the liveness module. `name` survives duplicate
 * package copies, `code` says which check failed and the message names the
 * field or peer concerned.
 */
export class LivenessError extends ParaloomError<{ code: LivenessErrorCode }> {
  static override readonly name = 'LivenessError'

  constructor(code: LivenessErrorCode, message: string) {
    super({ code }, message)
  }
}

/** Throws `InvalidConfig` unless `value` is an integer in `[min, max]`. */
export function checkIntegerOption(
  field: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new LivenessError(
      'InvalidConfig',
      `liveness option ${field} must be an integer in [${min}, ${max}], got ${String(value)}`,
    )
  }
  return value
}
