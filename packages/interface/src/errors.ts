/**
 * The one error shape of every Paraloom package (modelled on Lodestar's
 * `LodestarError`): each layer subclasses {@link ParaloomError} once, with a
 * type parameter that is a union of `{ code, ...metadata }`. `code` is
 * PascalCase and is what callers branch on; the metadata says where (a field,
 * a byte offset, a peer) and is typed per code.
 */

/** The type parameter of an error: a PascalCase `code` and the metadata that code carries. */
export interface ErrorType {
  code: string
}

/** An error type without its `code`, member by member of the union. */
export type ErrorMetadata<T extends ErrorType> = T extends unknown ? Omit<T, 'code'> : never

/** What {@link ParaloomError.toObject} returns: one flat record for a structured log line. */
export interface ErrorObject {
  name: string
  code: string
  message: string
  /** The cause, itself as an object when it is an error. */
  cause?: unknown
  [metadata: string]: unknown
}

/** Causes nested deeper than this are cut off in `toObject()` (a cause chain may loop). */
const MAX_CAUSE_DEPTH = 8

/**
 * The base of every Paraloom error. `name` is the subclass's name (give the
 * subclass a `static override readonly name` so it survives bundlers and
 * duplicate package copies), `code` says which check failed, and `meta` holds
 * the code with its metadata: narrow it with `switch (err.meta.code)`.
 *
 * @example
 * ```ts
 * type FetchErrorType = { code: 'Timeout'; afterMs: number } | { code: 'NotFound'; url: string }
 * class FetchError extends ParaloomError<FetchErrorType> {
 *   static override readonly name = 'FetchError'
 * }
 * throw new FetchError({ code: 'NotFound', url }, `${url}: not found`)
 * ```
 */
export class ParaloomError<T extends ErrorType = ErrorType> extends Error {
  /** Which check failed; PascalCase. Branch on this, not on the message. */
  readonly code: T['code']
  /** The code and its metadata, a union discriminated by `code`. */
  readonly meta: T

  /** `message` defaults to the code; `options.cause` keeps the error this one wraps. */
  constructor(meta: T, message?: string, options?: ErrorOptions) {
    super(message ?? meta.code, options)
    this.name = new.target.name
    this.code = meta.code
    this.meta = meta
  }

  /** Name, code, message, metadata and cause as one flat record, for structured logs. */
  toObject(): ErrorObject {
    return errorObject(this, 0)
  }
}

function errorObject(err: ParaloomError, depth: number): ErrorObject {
  const { code, ...metadata } = err.meta
  const object: ErrorObject = { ...metadata, name: err.name, code, message: err.message }
  if (err.cause !== undefined) object.cause = causeObject(err.cause, depth + 1)
  return object
}

function causeObject(cause: unknown, depth: number): unknown {
  if (depth > MAX_CAUSE_DEPTH) return '[cause chain cut]'
  if (cause instanceof ParaloomError) return errorObject(cause, depth)
  if (cause instanceof Error) {
    const object: Record<string, unknown> = { name: cause.name, message: cause.message }
    if (cause.cause !== undefined) object.cause = causeObject(cause.cause, depth + 1)
    return object
  }
  return cause
}

/**
 * Why a config value was rejected.
 *
 * - `InvalidOption`: a value that is missing, of the wrong type or out of
 *   range, or a key that does not exist.
 * - `InvalidNetwork`: not one of the network names.
 * - `InvalidMultiaddr`: not a multiaddr.
 * - `UnreadableFile`: the config file does not exist or cannot be read.
 * - `MalformedFile`: the config file does not parse.
 */
export type ConfigErrorCode =
  | 'InvalidOption'
  | 'InvalidNetwork'
  | 'InvalidMultiaddr'
  | 'UnreadableFile'
  | 'MalformedFile'

export interface ConfigErrorType {
  code: ConfigErrorCode
  /** The option or key concerned, as the user wrote it (`p2p.listen[1]`, `dialTimeoutMs`); absent for the whole file. */
  field?: string
  /** Where the value came from: a file (`config ./validator.toml`), `flags`… */
  source?: string
}

/**
 * A config value, option or flag that cannot be used: the one config error
 * of every package and app. The message is `source: field: detail`, so it
 * names what and where; the CLIs print it as one line and exit 2.
 */
export class ConfigError extends ParaloomError<ConfigErrorType> {
  static override readonly name = 'ConfigError'

  constructor(meta: ConfigErrorType, detail: string, options?: ErrorOptions) {
    const where = [meta.source, meta.field].filter((part) => part !== undefined && part !== '')
    super(meta, [...where, detail].join(': '), options)
  }

  /** The option or key concerned; '' for the whole file. */
  get field(): string {
    return this.meta.field ?? ''
  }

  /** Where the value came from; '' when not said. */
  get source(): string {
    return this.meta.source ?? ''
  }
}
