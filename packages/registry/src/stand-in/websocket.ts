/**
 * The stand-in's websocket side: Solana's subscription API
 * (program/account subscribe and unsubscribe) and Agave's notifications for
 * every account write, with caps on clients and subscriptions per client.
 */
import { once } from 'node:events'
import { type WebSocket, WebSocketServer } from 'ws'
import type { SolanaAccount } from '../genesis.js'
import {
  accountJson,
  configOf,
  type DataEncoding,
  matchesFilters,
  parseAddress,
  parseEncoding,
  parseProgramQuery,
} from './accounts.js'
import {
  answerJsonRpc,
  JsonRpcFault,
  type JsonRpcRequest,
  notificationEnvelope,
} from './json-rpc.js'

/** Largest websocket message accepted, in bytes. */
const MAX_PAYLOAD_BYTES = 1024 * 1024

export interface WebsocketHubInit {
  /** Most websocket clients at once. */
  maxClients: number
  /** Most subscriptions per websocket client. */
  maxSubscriptionsPerClient: number
  /** The current slot, for notification contexts. */
  slot(): number
}

type Subscription =
  | { kind: 'program'; query: ReturnType<typeof parseProgramQuery> }
  | { kind: 'account'; pubkey: string; encoding: DataEncoding }

interface Client {
  socket: WebSocket
  subscriptions: Map<number, Subscription>
}

export class WebsocketHub {
  private readonly clients = new Set<Client>()
  private server: WebSocketServer | undefined
  private nextSubscriptionId = 1
  private accepting = true

  constructor(private readonly init: WebsocketHubInit) {}

  /** Listens on `host:port`; rejects when the port is taken. */
  async listen(host: string, port: number): Promise<void> {
    const server = new WebSocketServer({ host, port, maxPayload: MAX_PAYLOAD_BYTES })
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => Promise.reject(e)),
    ])
    server.on('connection', (socket) => this.onConnection(socket))
    this.server = server
  }

  /** Drops every client and stops listening. */
  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    this.terminateClients()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Drops every client now; with `accepting: false`, refuses new ones too. */
  dropClients(options: { accepting?: boolean } = {}): void {
    this.accepting = options.accepting ?? true
    this.terminateClients()
  }

  /** Lets clients connect again after `dropClients({ accepting: false })`. */
  accept(): void {
    this.accepting = true
  }

  /**
   * Sends Agave's notifications for one account write. Like Agave,
   * programSubscribe reports only accounts the program owns after the write
   * (a closed account is not reported there; accountSubscribe sees it).
   */
  notify(account: SolanaAccount): void {
    const context = { slot: this.init.slot() }
    for (const client of this.clients) {
      for (const [id, sub] of client.subscriptions) {
        let text: string | undefined
        if (sub.kind === 'account' && sub.pubkey === account.pubkey) {
          text = notificationEnvelope(
            'accountNotification',
            { context, value: accountJson(account, sub.encoding) },
            id,
          )
        } else if (
          sub.kind === 'program' &&
          account.owner === sub.query.programId &&
          matchesFilters(account, sub.query.filters)
        ) {
          const value = {
            pubkey: account.pubkey,
            account: accountJson(account, sub.query.encoding),
          }
          text = notificationEnvelope('programNotification', { context, value }, id)
        }
        if (text !== undefined) client.socket.send(text)
      }
    }
  }

  private terminateClients(): void {
    for (const client of this.clients) client.socket.terminate()
    this.clients.clear()
  }

  private onConnection(socket: WebSocket): void {
    if (!this.accepting || this.clients.size >= this.init.maxClients) {
      socket.terminate()
      return
    }
    const client: Client = { socket, subscriptions: new Map() }
    this.clients.add(client)
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => socket.terminate())
    socket.on('message', (data) => {
      void answerJsonRpc(data.toString(), (req) => this.call(client, req)).then((text) => {
        if (text !== undefined && socket.readyState === socket.OPEN) socket.send(text)
      })
    })
  }

  private call(client: Client, req: JsonRpcRequest): Promise<unknown> {
    const p = req.params
    const subscribe = (sub: Subscription): Promise<number> => {
      if (client.subscriptions.size >= this.init.maxSubscriptionsPerClient) {
        throw JsonRpcFault.invalidParams('too many subscriptions on this connection')
      }
      const id = this.nextSubscriptionId++
      client.subscriptions.set(id, sub)
      return Promise.resolve(id)
    }
    const unsubscribe = (kind: Subscription['kind']): Promise<boolean> => {
      const id = p[0]
      if (typeof id !== 'number' || client.subscriptions.get(id)?.kind !== kind) {
        throw JsonRpcFault.invalidParams('Invalid subscription id')
      }
      client.subscriptions.delete(id)
      return Promise.resolve(true)
    }
    switch (req.method) {
      case 'programSubscribe':
        return subscribe({ kind: 'program', query: parseProgramQuery(p) })
      case 'accountSubscribe':
        return subscribe({
          kind: 'account',
          pubkey: parseAddress(p[0], 'pubkey'),
          encoding: parseEncoding(configOf(p[1])),
        })
      case 'programUnsubscribe':
        return unsubscribe('program')
      case 'accountUnsubscribe':
        return unsubscribe('account')
      default:
        throw JsonRpcFault.methodNotFound()
    }
  }
}
