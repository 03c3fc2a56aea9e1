/**
 * RegistryClient: the node's view of the on-chain registry. A full snapshot
 * at start and on every refresh interval, a `programSubscribe` stream in
 * between, the last good snapshot kept (in memory and on disk) through every
 * RPC failure.
 */
import {
  backoffDelayMs,
  type DirectoryChange,
  type Logger,
  type NetworkName,
  noopLogger,
  type SeedPeer,
  sleep,
  type ValidatorDirectory,
} from '@paraloom/interface'
import { type Address, createSolanaRpcSubscriptions } from '@solana/kit'
import { AdmissionSet, isEmptyChange } from './admission.js'
import { readSnapshotCache, writeSnapshotCache } from './cache.js'
import { RegistryRpcError, type RegistryRpcErrorCode } from './errors.js'
import type { ValidatorRegistry } from './layout.js'
import {
  type AccountCheck,
  checkValidatorAccount,
  type RawAccount,
  selectSeedPeers,
} from './seeds.js'
import { parseContextValue, parseKeyedAccount } from './shapes.js'
import {
  checkRegistryAccount,
  createRegistryRpc,
  DEFAULT_SNAPSHOT_LIMITS,
  type RawSnapshot,
  type RegistryRpc,
  readRawSnapshot,
  type SnapshotLimits,
  snapshotInconsistency,
  validatorFilters,
} from './snapshot.js'
import { type RegistryWarning, WarningDeduper } from './warnings.js'

/** A counter the client increments (prom-client's `Counter` fits). */
export interface RegistryCounter {
  inc(labels: Record<string, string>): void
}

/** Optional metrics hooks; see the validator's `/metrics`. */
export interface RegistryMetrics {
  /** Failed RPC rounds; labels `{ round }`: `snapshot`, `subscription` or `notification`. */
  rpcErrors?: RegistryCounter
  /** Well-formed snapshots refused because they contradict the registry account. */
  refusedSnapshots?: RegistryCounter
}

export interface RegistryClientInit extends Partial<SnapshotLimits> {
  /** JSON-RPC HTTP endpoint, e.g. `http://127.0.0.1:8899`. */
  rpcUrl: string
  /** Websocket endpoint for `programSubscribe`. @default rpc port + 1 (see {@link defaultWsUrl}); `null` disables the subscription. */
  wsUrl?: string | null
  programId: Address
  network: NetworkName
  /** Directory for the snapshot cache; none: no cache. */
  stateDir?: string
  /** Full re-read interval, in ms. @default 30_000 */
  refreshIntervalMs?: number
  /** Timeout of each HTTP request and of each subscribe call, in ms. @default 10_000 */
  requestTimeoutMs?: number
  /** Largest HTTP response body accepted, in bytes. @default 32 MiB */
  maxResponseBytes?: number
  /** First retry delay after a failure (refresh or websocket), in ms. @default 500 */
  retryInitialMs?: number
  /** Longest retry delay, in ms. @default 30_000 */
  retryMaxMs?: number
  /** Called once per (account, reason) while the problem persists. */
  onWarning?: (warning: RegistryWarning) => void
  /** Called after every full re-read (at start, on each interval, on retries) with whether it succeeded. */
  onRefresh?: (ok: boolean) => void
  /**
   * Where the client logs RPC trouble (warn), recoveries (info) and repeats
   * of a failure already warned about in the same streak (debug); account
   * problems go to `onWarning`. @default noopLogger (nothing)
   */
  logger?: Logger
  metrics?: RegistryMetrics
  /** Clock for ages and timestamps, in ms since epoch. @default Date.now */
  now?: () => number
}

export type SubscriptionState = 'connected' | 'reconnecting' | 'off'

export interface RegistryStatus {
  /** When an RPC snapshot last succeeded (ms since epoch), if ever in this run. */
  lastSuccessAt: number | undefined
  /** Age of the snapshot being served, in ms; undefined when there is none. */
  snapshotAgeMs: number | undefined
  consecutiveFailures: number
  lastError: string | undefined
  /** The code of `lastError` (`BadRegistry`: no registry account for this program and network). */
  lastErrorCode: RegistryRpcErrorCode | undefined
  /** Where the served snapshot came from. */
  source: 'rpc' | 'cache' | 'none'
  subscription: SubscriptionState
}

const DEFAULTS = {
  refreshIntervalMs: 30_000,
  requestTimeoutMs: 10_000,
  maxResponseBytes: 32 * 1024 * 1024,
  retryInitialMs: 500,
  retryMaxMs: 30_000,
}

/** The websocket URL Solana validators serve by default: same host, RPC port + 1. */
export function defaultWsUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  if (url.port !== '') url.port = String(Number(url.port) + 1)
  return url.toString()
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export class RegistryClient implements ValidatorDirectory {
  private readonly opts: typeof DEFAULTS & SnapshotLimits
  private readonly rpc: RegistryRpc
  private readonly wsUrl: string | null
  private readonly logger: Logger
  private readonly now: () => number
  private readonly admission = new AdmissionSet()
  private readonly deduper = new WarningDeduper()
  private readonly listeners = new Set<(change: DirectoryChange) => void>()

  private raws = new Map<string, RawAccount>()
  private checks = new Map<string, AccountCheck>()
  /** Slot of each account last set by a notification, so an older snapshot does not undo it. */
  private notifiedSlots = new Map<string, bigint>()
  private current:
    | { registry: ValidatorRegistry; registryAccount: RawAccount; slot: bigint }
    | undefined
  private source: RegistryStatus['source'] = 'none'
  private snapshotReadAtMs: number | undefined
  private lastSuccessAt: number | undefined
  private failures = 0
  private lastError: string | undefined
  private lastErrorCode: RegistryRpcErrorCode | undefined
  private subscription: SubscriptionState = 'off'
  private running: AbortController | undefined
  private refreshTimer: NodeJS.Timeout | undefined
  private inflight: Promise<boolean> | undefined
  private subscriptionLoop: Promise<void> | undefined

  constructor(private readonly init: RegistryClientInit) {
    this.opts = {
      ...DEFAULTS,
      ...DEFAULT_SNAPSHOT_LIMITS,
      ...Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)),
    } as typeof DEFAULTS & SnapshotLimits
    this.rpc = createRegistryRpc({
      url: init.rpcUrl,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      maxResponseBytes: this.opts.maxResponseBytes,
    })
    this.wsUrl = init.wsUrl === undefined ? defaultWsUrl(init.rpcUrl) : init.wsUrl
    this.logger = init.logger ?? noopLogger
    this.now = init.now ?? Date.now
  }

  // ValidatorDirectory

  seeds(): readonly SeedPeer[] {
    return this.admission.seeds()
  }

  isActiveValidator(publicKey: Uint8Array): boolean {
    return this.admission.has(publicKey)
  }

  onChange(listener: (change: DirectoryChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** The `ValidatorRegistry` account of the served snapshot. */
  registry(): ValidatorRegistry | undefined {
    return this.current?.registry
  }

  status(): RegistryStatus {
    return {
      lastSuccessAt: this.lastSuccessAt,
      snapshotAgeMs:
        this.snapshotReadAtMs === undefined ? undefined : this.now() - this.snapshotReadAtMs,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      lastErrorCode: this.lastErrorCode,
      source: this.source,
      subscription: this.subscription,
    }
  }

  /**
   * Loads the cached snapshot (if any), reads the registry once, then keeps
   * it fresh. Never throws for RPC trouble: a node must start without RPC.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options
    if (this.running !== undefined || signal?.aborted) return
    const running = new AbortController()
    this.running = running
    // `signal` aborts the start only: it stops the client while it is still starting.
    const abortStart = (): void => void this.stop()
    signal?.addEventListener('abort', abortStart, { once: true })
    try {
      await this.loadCache()
      if (running.signal.aborted) return
      await this.refresh()
      if (running.signal.aborted) return
      if (this.wsUrl !== null) {
        this.subscription = 'reconnecting' // until the first subscribe succeeds
        this.subscriptionLoop = this.subscribeLoop(this.wsUrl, running.signal)
      }
    } finally {
      signal?.removeEventListener('abort', abortStart)
    }
  }

  /** Aborts every request, the subscription and the refresh timer. */
  async stop(): Promise<void> {
    const running = this.running
    if (running === undefined) return
    this.running = undefined
    running.abort()
    clearTimeout(this.refreshTimer)
    this.refreshTimer = undefined
    await Promise.allSettled([this.inflight, this.subscriptionLoop])
    this.subscription = 'off'
  }

  /**
   * Re-reads the whole registry now. Resolves to whether it succeeded; on
   * failure the last good snapshot stays in service.
   */
  refresh(): Promise<boolean> {
    this.inflight ??= this.readAndApply()
      .catch((err: unknown) => {
        // Not an RPC failure (those are handled inside): never an unhandled rejection from the timer.
        this.recordFailure(err, 'snapshot not applied')
        return false
      })
      .then((ok) => {
        if (this.running !== undefined) this.notifyRefresh(ok)
        return ok
      })
      .finally(() => {
        this.inflight = undefined
        this.scheduleRefresh()
      })
    return this.inflight
  }

  private notifyRefresh(ok: boolean): void {
    try {
      this.init.onRefresh?.(ok)
    } catch (err) {
      this.logger.warn(`registry refresh listener threw: ${(err as Error).message}`)
    }
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer)
    if (this.running === undefined) return
    const delay =
      this.failures === 0
        ? this.opts.refreshIntervalMs
        : Math.min(
            this.opts.refreshIntervalMs,
            backoffDelayMs(this.failures - 1, {
              initialMs: this.opts.retryInitialMs,
              maxMs: this.opts.retryMaxMs,
              random: Math.random,
            }),
          )
    this.refreshTimer = setTimeout(() => void this.refresh(), delay)
  }

  private async readAndApply(): Promise<boolean> {
    const signal = this.running?.signal
    let snapshot: RawSnapshot
    try {
      snapshot = await readRawSnapshot(this.rpc, this.init, this.opts, { signal })
    } catch (err) {
      if (signal?.aborted) return false
      this.init.metrics?.rpcErrors?.inc({ round: 'snapshot' })
      this.recordFailure(err)
      return false
    }
    // A suspicious answer is not obeyed: the last good snapshot stays, and ages.
    const inconsistency = snapshotInconsistency(snapshot)
    if (inconsistency !== undefined) {
      this.init.metrics?.refusedSnapshots?.inc({})
      this.recordFailure(new RegistryRpcError('Inconsistent', inconsistency), 'snapshot refused')
      return false
    }
    if (this.failures > 0) {
      this.logger.info(`registry RPC answers again after ${this.failures} failed reads`)
    }
    this.failures = 0
    this.lastError = undefined
    this.lastErrorCode = undefined
    this.lastSuccessAt = this.now()
    await this.applySnapshot(snapshot, 'rpc', this.lastSuccessAt)
    if (this.init.stateDir !== undefined) await this.saveCache(this.init.stateDir, snapshot)
    return true
  }

  private recordFailure(err: unknown, what = 'RPC read failed'): void {
    this.failures++
    this.lastError = err instanceof Error ? err.message : String(err)
    this.lastErrorCode = err instanceof RegistryRpcError ? err.code : undefined
    const serving =
      this.source === 'none' ? 'no snapshot yet' : `serving the ${this.source} snapshot`
    const line = `registry ${what} (${this.lastError}); ${serving}; retrying`
    // Warned once per failure streak: a down RPC must not flood the log every retry.
    if (this.failures === 1) this.logger.warn(line)
    else this.logger.debug(`${line} (failure ${this.failures} in a row)`)
  }

  private async applySnapshot(
    snapshot: RawSnapshot,
    source: 'rpc' | 'cache',
    readAtMs: number,
  ): Promise<void> {
    const raws = new Map<string, RawAccount>()
    for (const raw of snapshot.accounts) raws.set(raw.address, raw)
    // A notification newer than this snapshot wins over the snapshot's copy.
    for (const [address, slot] of this.notifiedSlots) {
      const notified = this.raws.get(address)
      if (slot > snapshot.slot && notified !== undefined) raws.set(address, notified)
      else this.notifiedSlots.delete(address)
    }
    const checks = new Map<string, AccountCheck>()
    for (const [address, raw] of raws) {
      const before = this.raws.get(address)
      const cached = this.checks.get(address)
      const unchanged =
        before !== undefined && before.owner === raw.owner && sameBytes(before.data, raw.data)
      checks.set(
        address,
        unchanged && cached !== undefined ? cached : await checkValidatorAccount(raw, this.init),
      )
    }
    this.raws = raws
    this.checks = checks
    this.current = {
      registry: snapshot.registry,
      registryAccount: snapshot.registryAccount,
      slot: snapshot.slot,
    }
    this.source = source
    this.snapshotReadAtMs = readAtMs
    this.publish()
  }

  private async applyNotification(value: unknown, slot: bigint): Promise<void> {
    const raw = parseKeyedAccount(value, this.opts.maxAccountDataBytes)
    if (this.current === undefined) return // nothing to patch yet: the next snapshot has it
    if (!this.raws.has(raw.address) && this.raws.size >= this.opts.maxAccounts) {
      this.recordFailure(
        new RegistryRpcError('TooManyAccounts', 'notification over the account cap'),
      )
      return
    }
    this.raws.set(raw.address, raw)
    this.notifiedSlots.set(raw.address, slot)
    this.checks.set(raw.address, await checkValidatorAccount(raw, this.init))
    this.publish()
  }

  /** Recomputes the seed set from the current checks; emits warnings and the change. */
  private publish(): void {
    if (this.current === undefined) return
    const { seeds, warnings } = selectSeedPeers(this.checks, this.current.registry.minimumStake)
    for (const w of this.deduper.fresh(warnings)) {
      if (this.init.onWarning !== undefined) this.init.onWarning(w)
      else this.logger.warn(`registry: skipping ${w.address}: ${w.reason}`)
    }
    const change = this.admission.replace(seeds)
    if (isEmptyChange(change)) return
    for (const listener of this.listeners) {
      try {
        listener(change)
      } catch (err) {
        this.logger.warn(`registry change listener threw: ${(err as Error).message}`)
      }
    }
  }

  private async loadCache(): Promise<void> {
    const stateDir = this.init.stateDir
    if (stateDir === undefined) return
    const cached = await readSnapshotCache(stateDir, this.opts.maxResponseBytes * 2)
    if (cached === undefined) return
    if (cached instanceof Error) {
      this.logger.warn(`registry cache in ${stateDir} ignored: ${cached.message}`)
      return
    }
    if (cached.programId !== this.init.programId || cached.network !== this.init.network) {
      this.logger.warn(`registry cache in ${stateDir} is for another program or network; ignored`)
      return
    }
    try {
      const registry = checkRegistryAccount(cached.registryAccount, this.init)
      const accounts = cached.accounts.slice(0, this.opts.maxAccounts)
      await this.applySnapshot(
        { slot: cached.slot, registry, registryAccount: cached.registryAccount, accounts },
        'cache',
        cached.readAtMs,
      )
    } catch (err) {
      this.logger.warn(`registry cache in ${stateDir} ignored: ${(err as Error).message}`)
    }
  }

  private async saveCache(stateDir: string, snapshot: RawSnapshot): Promise<void> {
    try {
      await writeSnapshotCache(stateDir, {
        programId: this.init.programId,
        network: this.init.network,
        readAtMs: this.snapshotReadAtMs ?? this.now(),
        slot: snapshot.slot,
        registryAccount: snapshot.registryAccount,
        accounts: [...this.raws.values()],
      })
    } catch (err) {
      this.logger.warn(`registry cache not written to ${stateDir}: ${(err as Error).message}`)
    }
  }

  /** Kit subscriptions do not reconnect: this loop does, with capped backoff and jitter. */
  private async subscribeLoop(wsUrl: string, signal: AbortSignal): Promise<void> {
    const subscriptions = createSolanaRpcSubscriptions(wsUrl)
    let attempt = 0
    while (!signal.aborted) {
      const connection = new AbortController()
      const stopConnection = (): void => connection.abort()
      signal.addEventListener('abort', stopConnection, { once: true })
      // The subscribe call itself gets the request timeout; the stream then lives until it drops.
      const subscribeTimer = setTimeout(stopConnection, this.opts.requestTimeoutMs)
      try {
        const notifications = await subscriptions
          .programNotifications(this.init.programId, {
            encoding: 'base64',
            filters: validatorFilters(this.init.network),
          })
          .subscribe({ abortSignal: connection.signal })
        clearTimeout(subscribeTimer)
        this.subscription = 'connected'
        // Whatever changed while disconnected is read now rather than at the next interval.
        if (attempt > 0) void this.refresh()
        attempt = 0
        for await (const notification of notifications) {
          await this.handleNotification(notification)
        }
      } catch (err) {
        if (!signal.aborted) {
          this.init.metrics?.rpcErrors?.inc({ round: 'subscription' })
          const line = `registry subscription to ${wsUrl} lost: ${(err as Error).message}`
          // Warned once per reconnect streak; the retries go to debug.
          if (attempt === 0) this.logger.warn(line)
          else this.logger.debug(`${line} (attempt ${attempt + 1})`)
        }
      } finally {
        clearTimeout(subscribeTimer)
        signal.removeEventListener('abort', stopConnection)
        connection.abort()
      }
      if (signal.aborted) break
      this.subscription = 'reconnecting'
      await sleep(
        backoffDelayMs(attempt++, {
          initialMs: this.opts.retryInitialMs,
          maxMs: this.opts.retryMaxMs,
          random: Math.random,
        }),
        signal,
      )
    }
    this.subscription = 'off'
  }

  private async handleNotification(notification: unknown): Promise<void> {
    try {
      const { slot, value } = parseContextValue(notification, 'programNotification')
      await this.applyNotification(value, slot)
    } catch (err) {
      this.init.metrics?.rpcErrors?.inc({ round: 'notification' })
      this.logger.warn(`registry notification ignored: ${(err as Error).message}`)
    }
  }
}
