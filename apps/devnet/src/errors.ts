import { ParaloomError } from '@paraloom/interface'

/** What went wrong while bringing a devnet up. */
export type DevnetErrorCode =
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
 * where; `code` lets callers and tests branch.
 */
export class DevnetError extends ParaloomError<{ code: DevnetErrorCode }> {
  static override readonly name = 'DevnetError'
  constructor(code: DevnetErrorCode, message: string, options?: ErrorOptions) {
    super({ code }, message, options)
  }
}
