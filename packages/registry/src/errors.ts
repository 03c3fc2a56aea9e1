/** Why an account's bytes were rejected. */
export type AccountDecodeErrorKind =
  /** Fewer bytes than the field at `offset` needs. */
  | 'truncated'
  /** The first 8 bytes are not this account type's Anchor discriminator. */
  | 'bad-discriminator'
  /** A bool byte other than 0 or 1. */
  | 'bad-bool'
  /** An enum tag (the network byte) outside the known variants. */
  | 'bad-tag'
  /** A declared count or string length above the layout's cap. */
  | 'over-cap'
  /** A string that is not valid UTF-8. */
  | 'bad-utf8'

/** An account's data does not decode as the layout in registry.md says. */
export class AccountDecodeError extends Error {
  static override readonly name = 'AccountDecodeError'
  override readonly name = 'AccountDecodeError'

  constructor(
    readonly kind: AccountDecodeErrorKind,
    /** Byte offset into the account data where the problem was found. */
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte ${offset})`)
  }
}

/** Why a JSON-RPC exchange failed. */
export type RegistryRpcErrorKind =
  /** No answer within the request timeout. */
  | 'timeout'
  /** Connection refused, reset, DNS failure... */
  | 'unreachable'
  /** A non-2xx HTTP status. */
  | 'http-status'
  /** The body was larger than the configured cap. */
  | 'too-large'
  /** The body was not JSON. */
  | 'malformed-json'
  /** JSON, but not the shape the Solana JSON-RPC API promises. */
  | 'bad-shape'
  /** The server answered with a JSON-RPC error object. */
  | 'json-rpc-error'
  /** More accounts than the snapshot cap. */
  | 'too-many-accounts'
  /** The registry account is missing or does not decode. */
  | 'bad-registry'
  /** A well-formed answer that contradicts the registry account (e.g. no validators while it counts active ones). */
  | 'inconsistent'

/** A registry read failed; the client keeps its last good snapshot. */
export class RegistryRpcError extends Error {
  static override readonly name = 'RegistryRpcError'
  override readonly name = 'RegistryRpcError'

  constructor(
    readonly kind: RegistryRpcErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
