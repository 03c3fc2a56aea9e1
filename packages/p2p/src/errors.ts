/**
 * Typed errors. Each layer has one class with a PascalCase `code` to branch
 * on, built on `ParaloomError` from `@paraloom/interface`; `name` is a static
 * string so checks survive duplicate copies of this package. A bad option is
 * the shared `ConfigError` of `@paraloom/interface`.
 */
import { ParaloomError } from '@paraloom/interface'

export type IdentityErrorCode = 'InvalidLength' | 'KeyMismatch' | 'InvalidAddress' | 'NotEd25519'

/** A Solana keypair, address or PeerId that cannot be a Paraloom identity. */
export class IdentityError extends ParaloomError<{ code: IdentityErrorCode }> {
  static override readonly name = 'IdentityError'
  constructor(code: IdentityErrorCode, message: string, options?: ErrorOptions) {
    super({ code }, message, options)
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
export class RequestError extends ParaloomError<{ code: RequestErrorCode; protocol?: string }> {
  static override readonly name = 'RequestError'
  constructor(code: RequestErrorCode, message: string, protocol?: string, options?: ErrorOptions) {
    super({ code, protocol }, protocol == null ? message : `${protocol}: ${message}`, options)
  }

  /** The exchange's protocol id, when known. */
  get protocol(): string | undefined {
    return this.meta.protocol
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
export class GossipError extends ParaloomError<{ code: GossipErrorCode }> {
  static override readonly name = 'GossipError'
  constructor(code: GossipErrorCode, message: string, options?: ErrorOptions) {
    super({ code }, message, options)
  }
}

export type DiscoveryErrorCode =
  /** No valid record for the validator was found. */
  | 'NotFound'
  /** A DHT record failed validation (the DHT drops it). */
  | 'InvalidRecord'
  | 'NotStarted'
  | 'Aborted'

/** A DHT lookup that found no valid record, or a record the DHT refuses. */
export class DiscoveryError extends ParaloomError<{ code: DiscoveryErrorCode }> {
  static override readonly name = 'DiscoveryError'
  constructor(code: DiscoveryErrorCode, message: string, options?: ErrorOptions) {
    super({ code }, message, options)
  }
}
