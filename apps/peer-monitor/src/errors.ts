/**
 * Typed errors. Each class has a static `name` (it survives duplicate package
 * copies, so tests and callers check `name`) and a `kind` to branch on.
 */

/** What went wrong with the database file. */
export type StoreErrorKind =
  /** The file exists but is not a SQLite database (garbage bytes, truncated header). */
  | 'corrupt'
  /** Another process holds a lock on the file longer than the busy timeout. */
  | 'locked'
  /** The file or its directory cannot be opened (missing directory, permissions). */
  | 'open-failed'
  /** The schema is newer than this program, or a migration failed. */
  | 'schema'
  /** A statement failed on an open database. */
  | 'write-failed'

export class StoreError extends Error {
  static override readonly name: string = 'StoreError'
  override readonly name: string = 'StoreError'
  constructor(
    readonly kind: StoreErrorKind,
    /** The database file. */
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`database ${file}: ${message}`, options)
  }
}

/** What was wrong with one validator's WatchPeers stream. */
export type WatchErrorKind =
  /** An event that is not a valid PeerEvent (missing fields, bad state, oversize strings). */
  | 'malformed-event'
  /** Events out of protocol order (a transition from an incarnation never announced). */
  | 'protocol'
  /** The node did not become reachable before the connect deadline. */
  | 'unreachable'
  /** The stream ended with a gRPC error status. */
  | 'stream-failed'
  /** The stream ended cleanly (the node shut down its watchers). */
  | 'stream-ended'

export class WatchError extends Error {
  static override readonly name: string = 'WatchError'
  override readonly name: string = 'WatchError'
  constructor(
    readonly kind: WatchErrorKind,
    /** The validator address (HOST:PORT) whose stream failed. */
    readonly address: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${address}: ${message}`, options)
  }
}

/** A bad option value passed to one of this package's factories. */
export class ConfigError extends Error {
  static override readonly name: string = 'ConfigError'
  override readonly name: string = 'ConfigError'
}

/** Throws a ConfigError unless `value` is an integer within [min, max]. */
export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}
