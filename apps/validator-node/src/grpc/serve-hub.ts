/**
 * The inbound half of `paraloom.v1.Query`: one external process attached
 * through `Serve` answers the requests peers send this node. Each request
 * goes to it with an id and a deadline (the node's own inbound deadline,
 * less a margin for the answer to travel); an answer that comes after the
 * deadline finds no waiting request and is dropped. Without an attached
 * process, the fallback handlers answer.
 */
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js'
import {
  StateSyncRequest,
  StateSyncResponse,
  WithdrawalProofRequest,
  WithdrawalProofResponse,
} from '@paraloom/codec'
import { type RequestContext, type RequestHandlers, solanaAddressFromPeerId } from '@paraloom/p2p'
import { ServedProtocol, type ServeRequest, type ServeResponse } from '@paraloom/proto'

/** Header sent when a Serve stream is attached. */
export const SERVE_ATTACHED_HEADER = 'paraloom-serve-attached'

export type ServedKind = 'withdrawalProof' | 'stateSync'

/** What became of one forwarded request (a metrics label). */
export type ServeOutcome =
  | 'answered'
  | 'refused'
  | 'malformed'
  | 'deadline'
  | 'late'
  | 'detached'
  | 'overloaded'

export type ServeCall = ServerDuplexStream<ServeResponse, ServeRequest>

export interface ServeHubInit {
  /** The node's inbound request deadline, in milliseconds (p2p's `requestTimeoutMs`). */
  inboundTimeoutMs: number
  /** Subtracted from the deadline sent to the process, for its answer to reach the peer. @default 250 */
  deadlineMarginMs?: number
  /** Requests forwarded and not yet answered, at most; past it a request fails at once. @default 1024 */
  maxPending?: number
  /** Answers when no process serves the protocol. */
  fallback: {
    stateSync(request: StateSyncRequest): StateSyncResponse
    withdrawalProof(request: WithdrawalProofRequest): WithdrawalProofResponse
  }
  onOutcome?(kind: ServedKind, outcome: ServeOutcome): void
  onWarning?(message: string, fields: Record<string, string>): void
}

interface Pending {
  kind: ServedKind
  resolve(bytes: Uint8Array): void
  reject(err: Error): void
}

const PROTOCOL: Record<ServedKind, ServedProtocol> = {
  withdrawalProof: ServedProtocol.SERVED_PROTOCOL_WITHDRAWAL_PROOF,
  stateSync: ServedProtocol.SERVED_PROTOCOL_STATE_SYNC,
}

interface Attached {
  call: ServeCall
  serves: Set<ServedKind>
  detach(): void
}

/** Expired request ids remembered, so a late answer is counted under its protocol. */
const MAX_EXPIRED_REMEMBERED = 1024

export class ServeHub {
  private server: Attached | undefined
  private readonly pending = new Map<bigint, Pending>()
  private readonly expired = new Map<bigint, ServedKind>()
  private nextId = 1n

  constructor(private readonly init: ServeHubInit) {}

  /** The handlers for the p2p node: forward when a process serves the protocol, else the fallback. */
  handlers(): Required<RequestHandlers> {
    return {
      withdrawalProof: async (request, context) => {
        if (!this.serves('withdrawalProof')) return this.init.fallback.withdrawalProof(request)
        const bytes = await this.forward('withdrawalProof', context, {
          request: Buffer.from(WithdrawalProofRequest.encode(request)),
          nullifier: Buffer.from(request.nullifier),
        })
        return this.decode('withdrawalProof', WithdrawalProofResponse, bytes)
      },
      stateSync: async (request, context) => {
        if (!this.serves('stateSync')) return this.init.fallback.stateSync(request)
        const bytes = await this.forward('stateSync', context, {
          request: Buffer.from(StateSyncRequest.encode(request)),
          fromHeight: request.fromHeight,
          maxBlocks: request.maxBlocks,
        })
        return this.decode('stateSync', StateSyncResponse, bytes)
      },
    }
  }

  /** Attaches `call` as the serving process; false when one is attached already. */
  attach(call: ServeCall): boolean {
    if (this.server !== undefined) return false
    const detach = (): void => {
      if (this.server !== server) return
      this.server = undefined
      for (const [id, p] of this.pending) {
        this.pending.delete(id)
        this.init.onOutcome?.(p.kind, 'detached')
        p.reject(new Error('the Serve process detached before answering'))
      }
    }
    const server: Attached = { call, serves: new Set(['withdrawalProof']), detach }
    this.server = server
    // Headers now, so the process knows it is attached before any request comes.
    const headers = new Metadata()
    headers.set(SERVE_ATTACHED_HEADER, 'true')
    call.sendMetadata(headers)
    call.on('data', (message: ServeResponse) => this.onMessage(server, message))
    call.on('end', () => {
      detach()
      call.end()
    })
    call.on('cancelled', detach)
    call.on('error', detach)
    call.on('close', detach)
    return true
  }

  /** Ends the attached stream (node stopping); pending requests fail. */
  close(): void {
    const server = this.server
    server?.detach()
    server?.call.end()
  }

  private serves(kind: ServedKind): boolean {
    return this.server?.serves.has(kind) === true
  }

  private onMessage(server: Attached, message: ServeResponse): void {
    const m = message.message
    if (m?.$case === 'attach') {
      server.serves.clear()
      if (m.value.withdrawalProof) server.serves.add('withdrawalProof')
      if (m.value.stateSync) server.serves.add('stateSync')
      return
    }
    if (m?.$case !== 'answer') return
    const { id, response } = m.value
    const pending = this.pending.get(id)
    if (pending === undefined) {
      // Past its deadline (or never sent): the peer's request already failed.
      const kind = this.expired.get(id)
      this.expired.delete(id)
      if (kind !== undefined) this.init.onOutcome?.(kind, 'late')
      this.init.onWarning?.('Serve answer dropped: no request waits for it', { id: String(id) })
      return
    }
    this.pending.delete(id)
    if (response.length === 0) {
      this.init.onOutcome?.(pending.kind, 'refused')
      pending.reject(new Error('the Serve process refused the request'))
    } else {
      pending.resolve(response)
    }
  }

  private forward(
    kind: ServedKind,
    context: RequestContext,
    fields: Partial<ServeRequest> & { request: Buffer },
  ): Promise<Uint8Array> {
    const server = this.server!
    const maxPending = this.init.maxPending ?? 1024
    if (this.pending.size >= maxPending) {
      this.init.onOutcome?.(kind, 'overloaded')
      return Promise.reject(new Error(`${maxPending} requests already wait for the Serve process`))
    }
    const id = this.nextId++
    const budgetMs = this.init.inboundTimeoutMs - (this.init.deadlineMarginMs ?? 250)
    const deadlineMs = Date.now() + Math.max(0, budgetMs)
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer)
        context.signal.removeEventListener('abort', expire)
      }
      const expire = (): void => {
        if (!this.pending.delete(id)) return
        finish()
        this.remember(id, kind)
        this.init.onOutcome?.(kind, 'deadline')
        reject(new Error(`the Serve process did not answer request ${id} before its deadline`))
      }
      const timer = setTimeout(expire, Math.max(0, budgetMs))
      context.signal.addEventListener('abort', expire, { once: true })
      this.pending.set(id, {
        kind,
        resolve: (bytes) => {
          finish()
          resolve(bytes)
        },
        reject: (err) => {
          finish()
          reject(err)
        },
      })
      server.call.write({
        id,
        deadlineMs: BigInt(deadlineMs),
        protocol: PROTOCOL[kind],
        fromPeerId: context.peer.toString(),
        fromValidator: validatorOf(context),
        nullifier: Buffer.alloc(0),
        fromHeight: 0n,
        maxBlocks: 0,
        ...fields,
      })
    })
  }

  private remember(id: bigint, kind: ServedKind): void {
    this.expired.set(id, kind)
    if (this.expired.size > MAX_EXPIRED_REMEMBERED) {
      this.expired.delete(this.expired.keys().next().value as bigint)
    }
  }

  private decode<T>(
    kind: ServedKind,
    type: { maxBytes: number; decode(bytes: Uint8Array, o: { maxBytes: number }): T },
    bytes: Uint8Array,
  ): T {
    try {
      // Under the response type's cap (wire.md: 4 MiB), as a peer's answer would be.
      const value = type.decode(bytes, { maxBytes: type.maxBytes })
      this.init.onOutcome?.(kind, 'answered')
      return value
    } catch (err) {
      this.init.onOutcome?.(kind, 'malformed')
      throw new Error(
        `the Serve process answered bytes that do not decode: ${(err as Error).message}`,
      )
    }
  }
}

function validatorOf(context: RequestContext): string {
  try {
    return solanaAddressFromPeerId(context.peer)
  } catch {
    return ''
  }
}
