/**
 * Typed errors. Each layer has one class with a `code` to branch on; `name`
 * is a static string so checks survive duplicate copies of this package.
 */

/** An error with a machine-readable `code`; each layer subclasses it once. */
abstract class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export type IdentityErrorCode = 'InvalidLength' | 'KeyMismatch' | 'InvalidAddress' | 'NotEd25519'

/** A Solana keypair, address or PeerId that cannot be a Paraloom identity. */
export class IdentityError extends CodedError<IdentityErrorCode> {
  static override readonly name = 'IdentityError'
  override readonly name = 'IdentityError'
}

export type ConfigErrorCode = 'InvalidNetwork' | 'InvalidOption' | 'InvalidMultiaddr'

/** A `ParaloomNodeInit` field that is missing or wrong; `field` names it. */
export class ConfigError extends CodedError<ConfigErrorCode> {
  static override readonly name = 'ConfigError'
  override readonly name = 'ConfigError'
  constructor(
    code: ConfigErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(code, `${field}: ${message}`)
  }
}

export type RequestErrorCode =
  /** The caller's request is not a valid value of its wire type (e.g. a field out of range). */
  | 'Invalid'
  /** The deadline passed (dial included) or the caller aborted. */
  | 'Timeout'
  | 'Aborted'
  /** Could not open a stream to the peer. */
  | 'Dial'
  /** A frame's length prefix is over the cap; rejected before reading the body. */
  | 'TooLarge'
  /** Bad length prefix, truncated frame or bytes after the frame. */
  | 'Malformed'
  /** The frame does not decode as the expected wire type. */
  | 'Decode'
  /**
   * Outbound: the stream ended without an answer: the responder refused
   * (e.g. rate-limited or no handler), or a connection close ended it (a
   * hang-up on either side ends its streams the same way). Inbound: refused
   * for want of a handler, or the requester's stream ended without a frame.
   */
  | 'Refused'
  /** The responder reset the stream (its handler failed). */
  | 'Reset'
  /** Inbound only: the peer is over its rate or concurrency limit. */
  | 'RateLimited'
  /** Inbound only: the handler threw, or answered over the response cap. */
  | 'HandlerFailed'
  /** The node is not running. */
  | 'NotStarted'

/** A request/response exchange that failed; `protocol` names the exchange. */
export class RequestError extends CodedError<RequestErrorCode> {
  static override readonly name = 'RequestError'
  override readonly name = 'RequestError'
  constructor(
    code: RequestErrorCode,
    message: string,
    readonly protocol?: string,
    options?: { cause?: unknown },
  ) {
    super(code, protocol == null ? message : `${protocol}: ${message}`, options)
  }
}

export type GossipErrorCode =
  /** The encoded value is over its topic's cap (checked before publishing). */
  | 'TooLarge'
  /** The value does not encode, or is not signed by this node. */
  | 'Invalid'
  /** No peer subscribes to the topic yet (the mesh has not formed). */
  | 'NoPeers'
  /** The same bytes were published recently (message ids are content hashes). */
  | 'Duplicate'
  /** gossipsub refused the message for another reason. */
  | 'PublishFailed'
  | 'NotStarted'

/** A gossip publish that did not go out. */
export class GossipError extends CodedError<GossipErrorCode> {
  static override readonly name = 'GossipError'
  override readonly name = 'GossipError'
}

export type DiscoveryErrorCode =
  /** No valid record for the validator was found. */
  | 'NotFound'
  /** A DHT record failed validation (the DHT drops it). */
  | 'InvalidRecord'
  | 'NotStarted'
  | 'Aborted'

/** A DHT lookup that found no valid record, or a record the DHT refuses. */
export class DiscoveryError extends CodedError<DiscoveryErrorCode> {
  static override readonly name = 'DiscoveryError'
  override readonly name = 'DiscoveryError'
}
