/**
 * Typed errors, on `ParaloomError` from `@paraloom/interface`. Each class has
 * a static `name` (it survives duplicate package copies, so tests and callers
 * check `name`) and a PascalCase `code` to branch on. A bad option is the
 * shared `ConfigError`.
 */
import { ConfigError, ParaloomError } from '@paraloom/interface'

/** What went wrong with the database file. */
export type StoreErrorCode =
  /** The file exists but is not a SQLite database (garbage bytes, truncated header). */
  | 'Corrupt'
  /** Another process holds a lock on the file longer than the busy timeout. */
  | 'Locked'
  /** The file or its directory cannot be opened (missing directory, permissions). */
  | 'OpenFailed'
  /** The schema is newer than this program, or a migration failed. */
  | 'Schema'
  /** A statement failed on an open database. */
  | 'WriteFailed'

export class StoreError extends ParaloomError<{ code: StoreErrorCode; file: string }> {
  static override readonly name = 'StoreError'
  constructor(
    code: StoreErrorCode,
    /** The database file. */
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super({ code, file }, `database ${file}: ${message}`, options)
  }
}

/** What was wrong with one validator's WatchPeers stream. */
export type WatchErrorCode =
  /** An event that is not a valid PeerEvent (missing fields, bad state, oversize strings). */
  | 'MalformedEvent'
  /** Events out of protocol order (a transition from an incarnation never announced). */
  | 'Protocol'
  /** The node did not become reachable before the connect deadline. */
  | 'Unreachable'
  /** The stream ended with a gRPC error status. */
  | 'StreamFailed'
  /** The stream ended cleanly (the node shut down its watchers). */
  | 'StreamEnded'

export class WatchError extends ParaloomError<{ code: WatchErrorCode; address: string }> {
  static override readonly name = 'WatchError'
  constructor(
    code: WatchErrorCode,
    /** The validator address (HOST:PORT) whose stream failed. */
    readonly address: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super({ code, address }, `${address}: ${message}`, options)
  }
}

/** Throws a ConfigError naming `field` unless `value` is an integer within [min, max]. */
export function checkInteger(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      { code: 'InvalidOption', field },
      `must be an integer from ${min} to ${max}, got ${value}`,
    )
  }
  return value
}
