/** What went wrong while bringing a devnet up. */
export type DevnetErrorKind =
  /** No free set of ports was found, or a fixed one is taken. */
  | 'PortsBusy'
  /** An existing keypair file in the devnet directory cannot be used. */
  | 'BadIdentity'
  /** A child process could not be started or exited while the devnet ran. */
  | 'ChildExited'
  /** The validators did not all see each other CONNECTED before the deadline. */
  | 'NotReady'
  /** The registry stand-in did not answer getHealth before the deadline. */
  | 'RegistryDown'

/**
 * A devnet that cannot come up or keep running. The message says what and
 * where; `kind` lets callers and tests branch.
 */
export class DevnetError extends Error {
  static override readonly name: string = 'DevnetError'
  override readonly name: string = 'DevnetError'
  constructor(
    readonly kind: DevnetErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
