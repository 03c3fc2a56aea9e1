/**
 * A DEVELOPMENT STAND-IN for `solana-test-validator`, for machines where no
 * Solana validator can run (tests, CI, a laptop without the Solana tools).
 * The docker-compose devnet runs the real `solana-test-validator` instead.
 *
 * It serves the accounts of a genesis directory over Solana JSON-RPC on HTTP
 * port P and the subscription API on websocket port P+1, in Agave's exact
 * response shapes, so switching to a real validator changes only a URL.
 * The `paraloomDev_*` methods are NOT part of Solana's API: they let a test
 * or the devnet register, change and deactivate validators while nodes run.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Address } from '@solana/kit'
import { type WebSocket, WebSocketServer } from 'ws'
import {
  parseGenesisFile,
  RENT_EXEMPT_EPOCH,
  type SolanaAccount,
  type ValidatorSpec,
  validatorSolanaAccount,
} from '../genesis.js'
import { decodeValidatorAccount, encodeValidatorAccount, isNetwork } from '../layout.js'
import { addressBytes, findValidatorPda } from '../pda.js'
import {
  accountJson,
  configOf,
  type DataEncoding,
  MAX_MULTIPLE_ACCOUNTS,
  matchesFilters,
  parseAddress,
  parseEncoding,
  parseProgramQuery,
} from './accounts.js'
import {
  errorEnvelope,
  JsonRpcFault,
  type JsonRpcRequest,
  notificationEnvelope,
  parseRequest,
  resultEnvelope,
} from './json-rpc.js'

/** The Agave version the stand-in reports (`getVersion`, `context.apiVersion`). */
export const STAND_IN_SOLANA_VERSION = '2.2.0'
const FEATURE_SET = 3294202862
const SYSTEM_PROGRAM = '11111111111111111111111111111111'

export interface StandInInit {
  /** Accounts to serve from the start (e.g. `readGenesisDirectory(dir)`). */
  accounts?: readonly SolanaAccount[]
  /** The registry program, needed by `upsertValidator`/`deactivate`. */
  programId?: Address
  /** @default '127.0.0.1' */
  host?: string
  /** HTTP port; the websocket listens on port + 1. 0 picks two free adjacent ports. @default 8899 */
  port?: number
  /** Milliseconds per slot. @default 400 */
  slotMs?: number
  /** Largest request body accepted, in bytes. @default 4 MiB */
  maxRequestBytes?: number
  /** Most websocket clients at once. @default 256 */
  maxWebsocketClients?: number
  /** Most subscriptions per websocket client. @default 64 */
  maxSubscriptionsPerClient?: number
}

/** Failure modes a test can switch on for the HTTP side. */
export type HttpFault = 'none' | 'stall' | 'status-500' | 'malformed-json' | 'json-rpc-error'

type Subscription =
  | { kind: 'program'; query: ReturnType<typeof parseProgramQuery> }
  | { kind: 'account'; pubkey: string; encoding: DataEncoding }

interface Client {
  socket: WebSocket
  subscriptions: Map<number, Subscription>
}

export class LocalRpcStandIn {
  private readonly accounts = new Map<string, SolanaAccount>()
  private readonly clients = new Set<Client>()
  private readonly opts: Required<Omit<StandInInit, 'accounts' | 'programId'>>
  private readonly startedAt = Date.now()
  private servers: { http: Server; ws: WebSocketServer } | undefined
  private nextSubscriptionId = 1
  /** Each mutation moves the slot on, so it is newer than any read before it. */
  private mutationSlots = 0
  private websocketAccepting = true
  private httpFault: HttpFault = 'none'
  private programAccountsHidden = false

  constructor(private readonly init: StandInInit = {}) {
    for (const a of init.accounts ?? []) this.accounts.set(a.pubkey, a)
    this.opts = {
      host: init.host ?? '127.0.0.1',
      port: init.port ?? 8899,
      slotMs: init.slotMs ?? 400,
      maxRequestBytes: init.maxRequestBytes ?? 4 * 1024 * 1024,
      maxWebsocketClients: init.maxWebsocketClients ?? 256,
      maxSubscriptionsPerClient: init.maxSubscriptionsPerClient ?? 64,
    }
  }

  /** `http://host:P` once started. */
  get rpcUrl(): string {
    return `http://${this.opts.host}:${this.port()}`
  }

  /** `ws://host:P+1` once started. */
  get wsUrl(): string {
    return `ws://${this.opts.host}:${this.port() + 1}`
  }

  private port(): number {
    const address = this.servers?.http.address() as AddressInfo | null | undefined
    if (!address) throw new Error('stand-in is not listening')
    return address.port
  }

  slot(): number {
    return Math.floor((Date.now() - this.startedAt) / this.opts.slotMs) + this.mutationSlots
  }

  async start(): Promise<void> {
    if (this.servers !== undefined) return
    // Port 0: find a free P whose P+1 is free too; a few tries are plenty on loopback.
    for (let attempt = 0; ; attempt++) {
      const http = createServer((req, res) => this.onHttp(req, res))
      http.listen(this.opts.port, this.opts.host)
      await once(http, 'listening')
      const port = (http.address() as AddressInfo).port
      try {
        const ws = new WebSocketServer({
          host: this.opts.host,
          port: port + 1,
          maxPayload: 1024 * 1024,
        })
        await Promise.race([
          once(ws, 'listening'),
          once(ws, 'error').then(([e]) => Promise.reject(e)),
        ])
        ws.on('connection', (socket) => this.onConnection(socket))
        this.servers = { http, ws }
        return
      } catch (err) {
        http.close()
        if (this.opts.port !== 0 || attempt >= 20) throw err
      }
    }
  }

  async stop(): Promise<void> {
    const servers = this.servers
    if (servers === undefined) return
    this.servers = undefined
    for (const client of this.clients) client.socket.terminate()
    this.clients.clear()
    await new Promise<void>((resolve) => servers.ws.close(() => resolve()))
    servers.http.closeAllConnections()
    await new Promise<void>((resolve) => servers.http.close(() => resolve()))
  }

  // Mutation API (in process; the same over HTTP as paraloomDev_* methods).

  getAccount(pubkey: string): SolanaAccount | undefined {
    return this.accounts.get(pubkey)
  }

  /** Creates or replaces an account and notifies subscribers, as a transaction landing would. */
  setAccount(account: SolanaAccount): void {
    this.mutationSlots++
    this.accounts.set(account.pubkey, account)
    this.notify(account)
  }

  /** Closes an account: lamports 0, owned by the system program, no data. */
  removeAccount(pubkey: string): boolean {
    const previous = this.accounts.get(pubkey)
    if (previous === undefined) return false
    this.mutationSlots++
    this.accounts.delete(pubkey)
    const closed: SolanaAccount = {
      pubkey,
      lamports: 0n,
      data: new Uint8Array(0),
      owner: SYSTEM_PROGRAM,
      executable: false,
      rentEpoch: RENT_EXEMPT_EPOCH,
    }
    this.notify(closed)
    return true
  }

  /** Registers or rewrites a validator at its PDA; returns the account address. */
  async upsertValidator(spec: ValidatorSpec): Promise<string> {
    const account = await validatorSolanaAccount(this.requireProgramId(), spec)
    this.setAccount(account)
    return account.pubkey
  }

  /** Sets `is_active = false` on the validator with this 32-byte identity. */
  async deactivate(identity: Uint8Array): Promise<string> {
    const pda = await findValidatorPda(this.requireProgramId(), identity)
    const current = this.accounts.get(pda.address)
    if (current === undefined) throw new Error(`no validator account at ${pda.address}`)
    const data = encodeValidatorAccount(
      { ...decodeValidatorAccount(current.data), isActive: false },
      { space: current.data.length },
    )
    this.setAccount({ ...current, data })
    return pda.address
  }

  // Fault injection for tests.

  /**
   * With `true`, `getProgramAccounts` answers a well-formed empty list (as an
   * RPC node that lost its account index would) while every account, the
   * registry's included, is still served by `getAccountInfo`.
   */
  setProgramAccountsHidden(hidden: boolean): void {
    this.programAccountsHidden = hidden
  }

  /** Makes every HTTP request fail in the given way until set back to 'none'. */
  setHttpFault(fault: HttpFault): void {
    this.httpFault = fault
  }

  /** Drops every websocket client now; with `accepting: false`, refuses new ones too. */
  dropWebsocketClients(options: { accepting?: boolean } = {}): void {
    this.websocketAccepting = options.accepting ?? true
    for (const client of this.clients) client.socket.terminate()
    this.clients.clear()
  }

  /** Lets websocket clients connect again after `dropWebsocketClients({ accepting: false })`. */
  acceptWebsockets(): void {
    this.websocketAccepting = true
  }

  private requireProgramId(): Address {
    if (this.init.programId === undefined)
      throw new Error('the stand-in was started without a programId')
    return this.init.programId
  }

  // HTTP

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > this.opts.maxRequestBytes) {
        res.writeHead(413).end()
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (size > this.opts.maxRequestBytes) return
      void this.answerHttp(Buffer.concat(chunks).toString('utf8'), res)
    })
  }

  private async answerHttp(body: string, res: ServerResponse): Promise<void> {
    const fault = this.httpFault
    if (fault === 'stall') return // never answers; stop() closes the socket
    if (fault === 'status-500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error')
      return
    }
    const send = (text: string): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(text)
    }
    if (fault === 'malformed-json') return send('{"jsonrpc":"2.0","result":{"context":')
    if (fault === 'json-rpc-error') {
      return send(errorEnvelope(null, new JsonRpcFault(-32005, 'Node is unhealthy')))
    }
    const text = await this.answerText(body, (req) => this.callHttp(req))
    if (text === undefined) res.writeHead(204).end()
    else send(text)
  }

  /** Parses one call or a batch and answers it; undefined when nothing is owed (notifications). */
  private async answerText(
    body: string,
    call: (req: JsonRpcRequest) => Promise<unknown>,
  ): Promise<string | undefined> {
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return errorEnvelope(null, JsonRpcFault.parseError())
    }
    if (!Array.isArray(parsed)) return this.answerOne(parsed, call)
    if (parsed.length === 0) return errorEnvelope(null, JsonRpcFault.invalidRequest())
    const answers: string[] = []
    for (const item of parsed) {
      const answer = await this.answerOne(item, call)
      if (answer !== undefined) answers.push(answer)
    }
    return answers.length === 0 ? undefined : `[${answers.join(',')}]`
  }

  private async answerOne(
    value: unknown,
    call: (req: JsonRpcRequest) => Promise<unknown>,
  ): Promise<string | undefined> {
    const req = parseRequest(value)
    if (req instanceof JsonRpcFault) return errorEnvelope(null, req)
    try {
      const result = await call(req)
      return req.expectsResponse ? resultEnvelope(req.id, result) : undefined
    } catch (err) {
      if (!req.expectsResponse) return undefined
      const fault =
        err instanceof JsonRpcFault
          ? err
          : new JsonRpcFault(-32603, `Internal error: ${(err as Error).message}`)
      return errorEnvelope(req.id, fault)
    }
  }

  private context() {
    return { apiVersion: STAND_IN_SOLANA_VERSION, slot: this.slot() }
  }

  private callHttp(req: JsonRpcRequest): Promise<unknown> {
    const p = req.params
    switch (req.method) {
      case 'getHealth':
        return Promise.resolve('ok')
      case 'getSlot':
        return Promise.resolve(this.slot())
      case 'getVersion':
        return Promise.resolve({
          'feature-set': FEATURE_SET,
          'solana-core': STAND_IN_SOLANA_VERSION,
        })
      case 'getLatestBlockhash':
        return Promise.resolve({
          context: this.context(),
          value: { blockhash: SYSTEM_PROGRAM, lastValidBlockHeight: this.slot() + 150 },
        })
      case 'getAccountInfo': {
        const pubkey = parseAddress(p[0], 'pubkey')
        const account = this.accounts.get(pubkey)
        const encoding = parseEncoding(configOf(p[1]), account)
        const value = account === undefined ? null : accountJson(account, encoding)
        return Promise.resolve({ context: this.context(), value })
      }
      case 'getMultipleAccounts': {
        const keys = p[0]
        if (!Array.isArray(keys) || keys.length > MAX_MULTIPLE_ACCOUNTS) {
          throw JsonRpcFault.invalidParams(
            `expected an array of at most ${MAX_MULTIPLE_ACCOUNTS} pubkeys`,
          )
        }
        const config = configOf(p[1])
        const value = keys.map((k) => {
          const account = this.accounts.get(parseAddress(k, 'pubkey'))
          return account === undefined ? null : accountJson(account, parseEncoding(config, account))
        })
        return Promise.resolve({ context: this.context(), value })
      }
      case 'getProgramAccounts': {
        const query = parseProgramQuery(p)
        const value: unknown[] = []
        for (const account of this.programAccountsHidden ? [] : this.accounts.values()) {
          if (account.owner !== query.programId || !matchesFilters(account, query.filters)) continue
          value.push({
            pubkey: account.pubkey,
            account: accountJson(account, parseEncoding({ encoding: query.encoding }, account)),
          })
        }
        return Promise.resolve(query.withContext ? { context: this.context(), value } : value)
      }
      default:
        return this.callDev(req)
    }
  }

  /** The `paraloomDev_*` methods: development only, not part of Solana's API. */
  private async callDev(req: JsonRpcRequest): Promise<unknown> {
    const p = req.params
    switch (req.method) {
      case 'paraloomDev_setAccount': {
        const account = parseGenesisFileParam(p[0])
        this.setAccount(account)
        return account.pubkey
      }
      case 'paraloomDev_removeAccount':
        return this.removeAccount(parseAddress(p[0], 'pubkey'))
      case 'paraloomDev_upsertValidator':
        return this.upsertValidator(parseValidatorSpec(p[0]))
      case 'paraloomDev_deactivate':
        return this.deactivate(addressBytes(parseAddress(p[0], 'identity') as Address))
      case 'paraloomDev_hideProgramAccounts': {
        if (typeof p[0] !== 'boolean') throw JsonRpcFault.invalidParams('hidden must be a boolean')
        this.setProgramAccountsHidden(p[0])
        return p[0]
      }
      default:
        throw JsonRpcFault.methodNotFound()
    }
  }

  // Websocket

  private onConnection(socket: WebSocket): void {
    if (!this.websocketAccepting || this.clients.size >= this.opts.maxWebsocketClients) {
      socket.terminate()
      return
    }
    const client: Client = { socket, subscriptions: new Map() }
    this.clients.add(client)
    socket.on('close', () => this.clients.delete(client))
    socket.on('error', () => socket.terminate())
    socket.on('message', (data) => {
      void this.answerText(data.toString(), (req) => this.callWs(client, req)).then((text) => {
        if (text !== undefined && socket.readyState === socket.OPEN) socket.send(text)
      })
    })
  }

  private callWs(client: Client, req: JsonRpcRequest): Promise<unknown> {
    const p = req.params
    const subscribe = (sub: Subscription): Promise<number> => {
      if (client.subscriptions.size >= this.opts.maxSubscriptionsPerClient) {
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

  /**
   * Sends Agave's notifications for one account write. Like Agave,
   * programSubscribe reports only accounts the program owns after the write
   * (a closed account is not reported there; accountSubscribe sees it).
   */
  private notify(account: SolanaAccount): void {
    const context = { slot: this.slot() }
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
}

function parseGenesisFileParam(value: unknown): SolanaAccount {
  try {
    return parseGenesisFile(JSON.stringify(value), 'account')
  } catch (err) {
    throw JsonRpcFault.invalidParams((err as Error).message)
  }
}

function parseValidatorSpec(value: unknown): ValidatorSpec {
  const v = configOf(value)
  const bigintOf = (x: unknown, what: string): bigint => {
    if (typeof x !== 'string' && typeof x !== 'number')
      throw JsonRpcFault.invalidParams(`${what} must be an integer`)
    try {
      return BigInt(x)
    } catch {
      throw JsonRpcFault.invalidParams(`${what} must be an integer`)
    }
  }
  if (typeof v.network !== 'string' || !isNetwork(v.network))
    throw JsonRpcFault.invalidParams('network is unknown')
  if (!Array.isArray(v.multiaddrs) || !v.multiaddrs.every((m) => typeof m === 'string')) {
    throw JsonRpcFault.invalidParams('multiaddrs must be an array of strings')
  }
  return {
    identity: addressBytes(parseAddress(v.identity, 'identity') as Address),
    network: v.network,
    multiaddrs: v.multiaddrs as string[],
    stake: bigintOf(v.stake, 'stake'),
    reputation: v.reputation === undefined ? 0n : bigintOf(v.reputation, 'reputation'),
    isActive: v.isActive !== false,
  }
}
