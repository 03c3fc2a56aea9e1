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
 *
 * This class composes the parts: the account store (account-store.ts), the
 * JSON-RPC methods (methods.ts), HTTP (http.ts), websockets (websocket.ts)
 * and fault injection (faults.ts).
 */
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Address } from '@solana/kit'
import type { SolanaAccount, ValidatorSpec } from '../genesis.js'
import { AccountStore } from './account-store.js'
import type { Faults, HttpFault } from './faults.js'
import { httpHandler } from './http.js'
import { callHttpMethod } from './methods.js'
import { WebsocketHub } from './websocket.js'

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

export class LocalRpcStandIn {
  private readonly store: AccountStore
  private readonly websocket: WebsocketHub
  private readonly faults: Faults = { http: 'none', programAccountsHidden: false }
  private readonly host: string
  private readonly port: number
  private readonly maxRequestBytes: number
  private http: Server | undefined

  constructor(init: StandInInit = {}) {
    this.host = init.host ?? '127.0.0.1'
    this.port = init.port ?? 8899
    this.maxRequestBytes = init.maxRequestBytes ?? 4 * 1024 * 1024
    this.store = new AccountStore({
      accounts: init.accounts ?? [],
      programId: init.programId,
      slotMs: init.slotMs ?? 400,
      onWrite: (account) => this.websocket.notify(account),
    })
    this.websocket = new WebsocketHub({
      maxClients: init.maxWebsocketClients ?? 256,
      maxSubscriptionsPerClient: init.maxSubscriptionsPerClient ?? 64,
      slot: () => this.store.slot(),
    })
  }

  /** `http://host:P` once started. */
  get rpcUrl(): string {
    return `http://${this.host}:${this.httpPort()}`
  }

  /** `ws://host:P+1` once started. */
  get wsUrl(): string {
    return `ws://${this.host}:${this.httpPort() + 1}`
  }

  private httpPort(): number {
    const address = this.http?.address() as AddressInfo | null | undefined
    if (!address) throw new Error('stand-in is not listening')
    return address.port
  }

  slot(): number {
    return this.store.slot()
  }

  async start(): Promise<void> {
    if (this.http !== undefined) return
    const onRequest = httpHandler({
      maxRequestBytes: this.maxRequestBytes,
      fault: () => this.faults.http,
      call: (req) => callHttpMethod(this.store, this.faults, req),
    })
    // Port 0: find a free P whose P+1 is free too; a few tries are plenty on loopback.
    for (let attempt = 0; ; attempt++) {
      const http = createServer(onRequest)
      http.listen(this.port, this.host)
      await once(http, 'listening')
      const port = (http.address() as AddressInfo).port
      try {
        await this.websocket.listen(this.host, port + 1)
        this.http = http
        return
      } catch (err) {
        http.close()
        if (this.port !== 0 || attempt >= 20) throw err
      }
    }
  }

  async stop(): Promise<void> {
    const http = this.http
    if (http === undefined) return
    this.http = undefined
    await this.websocket.close()
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
  }

  // Mutation API (in process; the same over HTTP as paraloomDev_* methods).

  getAccount(pubkey: string): SolanaAccount | undefined {
    return this.store.get(pubkey)
  }

  /** Creates or replaces an account and notifies subscribers, as a transaction landing would. */
  setAccount(account: SolanaAccount): void {
    this.store.set(account)
  }

  /** Closes an account: lamports 0, owned by the system program, no data. */
  removeAccount(pubkey: string): boolean {
    return this.store.remove(pubkey)
  }

  /** Registers or rewrites a validator at its PDA; returns the account address. */
  upsertValidator(spec: ValidatorSpec): Promise<string> {
    return this.store.upsertValidator(spec)
  }

  /** Sets `is_active = false` on the validator with this 32-byte identity. */
  deactivate(identity: Uint8Array): Promise<string> {
    return this.store.deactivate(identity)
  }

  // Fault injection for tests.

  /**
   * With `true`, `getProgramAccounts` answers a well-formed empty list (as an
   * RPC node that lost its account index would) while every account, the
   * registry's included, is still served by `getAccountInfo`.
   */
  setProgramAccountsHidden(hidden: boolean): void {
    this.faults.programAccountsHidden = hidden
  }

  /** Makes every HTTP request fail in the given way until set back to 'none'. */
  setHttpFault(fault: HttpFault): void {
    this.faults.http = fault
  }

  /** Drops every websocket client now; with `accepting: false`, refuses new ones too. */
  dropWebsocketClients(options: { accepting?: boolean } = {}): void {
    this.websocket.dropClients(options)
  }

  /** Lets websocket clients connect again after `dropWebsocketClients({ accepting: false })`. */
  acceptWebsockets(): void {
    this.websocket.accept()
  }
}
