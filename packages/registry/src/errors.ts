import { ParaloomError } from '@paraloom/interface'

/** Why an account's bytes were rejected. */
export type AccountDecodeErrorCode =
  /** Fewer bytes than the field at `offset` needs. */
  | 'Truncated'
  /** The first 8 bytes are not this account type's Anchor discriminator. */
  | 'BadDiscriminator'
  /** A bool byte other than 0 or 1. */
  | 'BadBool'
  /** An enum tag (the network byte) outside the known variants. */
  | 'BadTag'
  /** A declared count or string length above the layout's cap. */
  | 'OverCap'
  /** A string that is not valid UTF-8. */
  | 'BadUtf8'

/** An account's data does not decode as the layout in registry.md says. */
export class AccountDecodeError extends ParaloomError<{
  code: AccountDecodeErrorCode
  offset: number
}> {
  static override readonly name = 'AccountDecodeError'

  constructor(
    code: AccountDecodeErrorCode,
    /** Byte offset into the account data where the problem was found. */
    readonly offset: number,
    message: string,
  ) {
    super({ code, offset }, `${message} (at byte ${offset})`)
  }
}

/** Why a JSON-RPC exchange failed. */
export type RegistryRpcErrorCode =
  /** No answer within the request timeout. */
  | 'Timeout'
  /** Connection refused, reset, DNS failure... */
  | 'Unreachable'
  /** A non-2xx HTTP status. */
  | 'HttpStatus'
  /** The body was larger than the configured cap. */
  | 'TooLarge'
  /** The body was not JSON. */
  | 'MalformedJson'
  /** JSON, but not the shape the Solana JSON-RPC API promises. */
  | 'BadShape'
  /** The server answered with a JSON-RPC error object. */
  | 'JsonRpcError'
  /** More accounts than the snapshot cap. */
  | 'TooManyAccounts'
  /** The registry account is missing or does not decode. */
  | 'BadRegistry'
  /** A well-formed answer that contradicts the registry account (e.g. no validators while it counts active ones). */
  | 'Inconsistent'

/** A registry read failed; the client keeps its last good snapshot. */
export class RegistryRpcError extends ParaloomError<{ code: RegistryRpcErrorCode }> {
  static override readonly name = 'RegistryRpcError'

  constructor(code: RegistryRpcErrorCode, message: string, options?: ErrorOptions) {
    super({ code }, message, options)
  }
}
