import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { UsageError } from '@paraloom/cli-kit'
import type { Logger, LogLevel } from '@paraloom/interface'
import {
  createParaloomNode,
  GOSSIP_KINDS,
  gossipTopic,
  type ParaloomNode,
  solanaAddressFromPublicKey,
} from '@paraloom/p2p'
import {
  GossipService as GossipServiceDefinition,
  HealthService as HealthDefinition,
  PeerMonitorService as PeerMonitorDefinition,
  ServingStatus,
} from '@paraloom/proto'
import { type Address, isAddress, RegistryClient } from '@paraloom/registry'
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { ValidatorConfig } from '../config/index.js'
import { createGossipService, type GossipService } from '../grpc/gossip.js'
import { createHealthService, type HealthService } from '../grpc/health.js'
import { createPeerMonitorService, type PeerMonitorService } from '../grpc/peer-monitor.js'
import { type GrpcServerHandle, startGrpcServer } from '../grpc/server.js'
import type { Keypair } from '../keypair.js'
import {
  type HealthReport,
  type MetricsServerHandle,
  startMetricsServer,
} from '../metrics/http-server.js'
import { createNodeMetrics } from '../metrics/node-metrics.js'
import { registryProblem } from '../metrics/registry-health.js'
import { logNodeEvents } from './event-log.js'
import { p2pComponentLogger } from './p2p-log.js'
import { NodeQueries, QUERY_SERVICE_NAME } from './queries.js'
import { type RegistrationProblem, registrationProblem } from './registration.js'
import { startStep } from './start-error.js'

export interface ValidatorNodeInit {
  config: ValidatorConfig
  keypair: Keypair
  logger: Logger
  /** Receives the start-up lines (`loading network=…`, …, `ready: …`). */
  announce: (line: string) => void
  /** The logger's level: at `debug`, libp2p's own errors are written too. @default 'info' */
  logLevel?: LogLevel
}

/**
 * How long open gRPC calls get to finish on stop before they are cancelled:
 * short, because a signal must end the whole process within 2 s.
 */
const STOP_GRACE_MS = 500

/** The gRPC service names the health service reports on. */
const SERVICE_NAMES = ['paraloom.v1.PeerMonitor', 'paraloom.v1.Gossip', QUERY_SERVICE_NAME]

/**
 * One validator: the registry client, the libp2p node and the gRPC and
 * metrics servers, started in that order and stopped in reverse.
 */
export class ValidatorNode {
  private readonly metricsRegistry = new Registry()
  /** Registered up front: the registry client counts its errors from its first read. */
  private readonly metrics = createNodeMetrics(this.metricsRegistry, () => {
    const s = this.registry?.status()
    return {
      snapshotAgeMs: s?.snapshotAgeMs ?? null,
      consecutiveFailures: s?.consecutiveFailures ?? 0,
    }
  })
  private registry?: RegistryClient
  private p2p?: ParaloomNode
  private peerMonitor?: PeerMonitorService
  private gossip?: GossipService
  private health?: HealthService
  private grpcServer?: GrpcServerHandle
  private metricsServer?: MetricsServerHandle
  private registration?: RegistrationProblem
  private stopEventLog?: () => void
  private queries?: NodeQueries
  /** The start in progress or done; undefined before `start()` and after `stop()`. */
  private starting?: Promise<void>
  private abortStart?: AbortController
  private stopping?: Promise<void>

  constructor(private readonly init: ValidatorNodeInit) {}

  get identity(): string {
    return solanaAddressFromPublicKey(this.init.keypair.publicKey)
  }

  /** The libp2p node, once started. */
  get node(): ParaloomNode | undefined {
    return this.p2p
  }

  get grpcPort(): number | undefined {
    return this.grpcServer?.port
  }

  get metricsPort(): number | undefined {
    return this.metricsServer?.port
  }

  /**
   * Starts the registry client, libp2p, gRPC and metrics, in that order.
   * `signal` (or a `stop()`) aborts a start in progress: it is checked between
   * steps and passed to the registry's first read, and whatever already
   * started is stopped again before `start` rejects with the abort reason. A
   * step that fails is rolled back the same way, so a failed or aborted start
   * leaves no port open and no timer running.
   */
  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.starting === undefined) {
      // A config problem: refused before anything starts (so stop() has nothing to do or say).
      const programId = this.init.config.registry.programId
      if (!isAddress(programId)) {
        return Promise.reject(
          new UsageError(
            'registry.program_id is not set: set it in validator.toml or pass --program-id',
          ),
        )
      }
      const abort = new AbortController()
      this.abortStart = abort
      const signal =
        options.signal === undefined
          ? abort.signal
          : AbortSignal.any([abort.signal, options.signal])
      // The steps run from the next microtask, so `starting` is set before any of
      // them (a stop() from inside a step, e.g. an announce callback, then sees it).
      this.starting = Promise.resolve()
        .then(() => this.startSteps(programId, signal))
        .catch(async (err: unknown) => {
          await this.stopComponents()
          throw err
        })
    }
    return this.starting
  }

  private async startSteps(programId: Address, signal: AbortSignal): Promise<void> {
    const { config, announce, logger } = this.init
    signal.throwIfAborted()
    announce(`loading network=${config.network} from on-chain registry`)
    const registry = await this.startRegistry(programId, signal)
    signal.throwIfAborted()
    const seeds = registry.seeds().filter((s) => s.identity !== this.identity)
    announce(`kademlia bootstrap: ${seeds.length} seed peers`)

    // Direct queries: the block store loads before p2p, which takes their handlers.
    const queries = new NodeQueries({ config, logger, metrics: this.metricsRegistry })
    this.queries = queries
    queries.open()
    const p2p = await this.startP2p(registry, queries)
    queries.attach(p2p, registry)
    this.stopEventLog = logNodeEvents(logger, p2p, registry)
    signal.throwIfAborted()
    for (const kind of GOSSIP_KINDS)
      announce(`gossipsub subscribed: ${gossipTopic(config.network, kind)}`)
    announce('ping behaviour active')

    const grpc = await startStep('grpc', config.grpc.listen, () =>
      this.startGrpc(p2p, registry, queries),
    )
    signal.throwIfAborted()
    const metrics = await startStep('metrics', config.metrics.listen, () =>
      startMetricsServer(config.metrics.listen, this.metricsRegistry, () => this.healthReport()),
    )
    this.metricsServer = metrics
    signal.throwIfAborted()
    const listening = p2p.getMultiaddrs().map(String)
    announce(
      `ready: listening on ${(listening.length > 0 ? listening : config.p2p.listen).join(', ')}`,
    )
    logger.info('node started', {
      identity: this.identity,
      peerId: p2p.peerId.toString(),
      grpcPort: grpc.port,
      metricsPort: metrics.port,
    })
  }

  private async startRegistry(programId: Address, signal: AbortSignal): Promise<RegistryClient> {
    const { config, logger } = this.init
    await mkdir(config.stateDir, { recursive: true })
    const registry = new RegistryClient({
      rpcUrl: config.registry.rpcUrl,
      wsUrl: config.registry.wsUrl,
      programId,
      network: config.network,
      stateDir: config.stateDir,
      refreshIntervalMs: config.registry.refreshSecs * 1000,
      onWarning: (w) =>
        logger.warn('registry account skipped', { account: w.address, reason: w.reason }),
      onRefresh: () => this.checkRegistration(),
      logger: logger.forComponent('registry'),
      metrics: this.metrics.registry,
    })
    this.registry = registry
    // Never throws for an unreachable RPC: it serves the cached snapshot and retries.
    // An abort ends its first read at once (an RPC that never answers must not hold a stop).
    await registry.start({ signal })
    return registry
  }

  /**
   * Warns on every registry refresh while this node cannot take part in its
   * network (see registration.ts), and says so once when that is fixed.
   */
  private checkRegistration(): void {
    const registry = this.registry
    if (registry === undefined) return
    const { config, logger, keypair } = this.init
    const problem = registrationProblem({
      identity: this.identity,
      network: config.network,
      programId: config.registry.programId,
      rpcUrl: config.registry.rpcUrl,
      status: registry.status(),
      validatorCount: registry.seeds().length,
      isActiveValidator: registry.isActiveValidator(keypair.publicKey),
    })
    const fields = {
      identity: this.identity,
      network: config.network,
      programId: config.registry.programId,
    }
    if (problem !== undefined) {
      logger.warn(`not taking part in the network: ${problem.reason}`, {
        ...fields,
        problem: problem.kind,
        fix: problem.fix,
      })
    } else if (this.registration !== undefined) {
      logger.info('registration ok: this identity is an active validator', {
        ...fields,
        validators: registry.seeds().length,
      })
    }
    this.registration = problem
  }

  private async startP2p(registry: RegistryClient, queries: NodeQueries): Promise<ParaloomNode> {
    const { config, keypair, logger } = this.init
    collectDefaultMetrics({ register: this.metricsRegistry })
    const { metrics } = this
    const p2p = await createParaloomNode({
      network: config.network,
      privateKey: new Uint8Array([...keypair.secretKey, ...keypair.publicKey]),
      listen: config.p2p.listen,
      announce: config.p2p.announce.length > 0 ? config.p2p.announce : undefined,
      directory: registry,
      admission: config.p2p.admission,
      allow: config.p2p.allow,
      refreshIntervalMs: config.registry.refreshSecs * 1000,
      liveness: config.liveness,
      handlers: queries.handlers(),
      metrics: metrics.p2p,
      // The node's own lines (components paraloom:p2p:*), and libp2p's internals apart.
      logger,
      libp2pLogger: p2pComponentLogger({ logger, debug: this.init.logLevel === 'debug' }),
      // Default process metrics are collected once, above.
      libp2pMetrics: prometheusMetrics({
        registry: this.metricsRegistry,
        collectDefaultMetrics: false,
      }),
    })
    this.p2p = p2p
    await startStep('p2p', config.p2p.listen.join(', '), () => p2p.start())
    return p2p
  }

  private async startGrpc(
    p2p: ParaloomNode,
    registry: RegistryClient,
    queries: NodeQueries,
  ): Promise<GrpcServerHandle> {
    const { config, logger } = this.init
    const observer = {
      peerId: p2p.peerId.toString(),
      validator: this.identity,
      incarnation: randomUUID(),
      network: config.network,
    }
    const clientCaps = { reservedClients: config.grpc.reservedClients }
    this.peerMonitor = createPeerMonitorService({
      registry: p2p.liveness.registry,
      observer,
      logger,
      clientCaps,
    })
    this.gossip = createGossipService({
      // Blocks this node publishes go into its state-sync store too.
      gossip: queries.sync.recordingPublished(p2p.gossip),
      clientCaps,
    })
    this.health = createHealthService(SERVICE_NAMES)
    this.grpcServer = await startGrpcServer(config.grpc.listen, [
      { definition: PeerMonitorDefinition, implementation: this.peerMonitor.implementation },
      { definition: GossipServiceDefinition, implementation: this.gossip.implementation },
      queries.grpcService(p2p, registry),
      { definition: HealthDefinition, implementation: this.health.implementation },
    ])
    for (const name of ['', ...SERVICE_NAMES]) this.health.set(name, ServingStatus.SERVING)
    return this.grpcServer
  }

  /**
   * What /healthz answers: healthy once libp2p runs, a registry snapshot is
   * served that is not older than a few refresh intervals, and this node is
   * an active validator of a registry that has validators; otherwise
   * degraded (503). `reasons` lists what is wrong, the most basic first.
   */
  private healthReport(): HealthReport {
    const status = this.registry?.status()
    const peers = this.p2p?.liveness.registry.snapshot().peers ?? []
    const byState: Record<string, number> = { CONNECTED: 0, SLOW: 0, OFFLINE: 0, UNKNOWN: 0 }
    for (const p of peers) byState[p.state] = (byState[p.state] ?? 0) + 1
    const reasons: string[] = []
    if (this.p2p?.isStarted() !== true) reasons.push('libp2p is not running')
    const stale = registryProblem(status, this.init.config.registry.refreshSecs * 1000)
    if (stale !== undefined) reasons.push(stale)
    if (this.registration !== undefined) reasons.push(this.registration.reason)
    return {
      ok: reasons.length === 0,
      status: reasons.length === 0 ? 'ok' : 'degraded',
      ...(reasons.length > 0 ? { reason: reasons[0] } : {}),
      reasons,
      identity: this.identity,
      registry: {
        source: status?.source ?? 'none',
        snapshotAgeMs: status?.snapshotAgeMs ?? null,
        subscription: status?.subscription ?? 'off',
        consecutiveFailures: status?.consecutiveFailures ?? 0,
        lastError: status?.lastError ?? null,
      },
      peers: byState,
      // The most recent bans (a bounded list), newest last.
      bans: (this.p2p?.recentBans() ?? []).map((ban) => ({
        peer: ban.peerId.toString(),
        reason: ban.reason,
        at: new Date(ban.atMs).toISOString(),
        until: new Date(ban.untilMs).toISOString(),
      })),
    }
  }

  /**
   * Stops in reverse order. During a start it aborts the start and waits for
   * its rollback. Safe after a failed start, and twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce().finally(() => {
      this.stopping = undefined
    })
    return this.stopping
  }

  private async stopOnce(): Promise<void> {
    const starting = this.starting
    if (starting === undefined) return
    this.abortStart?.abort(new DOMException('the node was stopped while starting', 'AbortError'))
    // A start that was aborted or failed has already stopped what it started.
    const started = await starting.then(
      () => true,
      () => false,
    )
    this.starting = undefined
    if (started) await this.stopComponents()
    this.init.logger.info('node stopped')
  }

  /** Stops every component that was started, newest first; one failing does not keep the others up. */
  private async stopComponents(): Promise<void> {
    this.stopEventLog?.()
    this.stopEventLog = undefined
    const { health, peerMonitor, gossip, queries, metricsServer, grpcServer, p2p, registry } = this
    this.health = this.peerMonitor = this.gossip = this.queries = undefined
    this.metricsServer = this.grpcServer = undefined
    this.p2p = this.registry = undefined
    health?.close()
    peerMonitor?.close()
    gossip?.close()
    queries?.close()
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['metrics', metricsServer && (() => metricsServer.stop())],
      ['grpc', grpcServer && (() => grpcServer.stop(STOP_GRACE_MS))],
      ['p2p', p2p && (() => p2p.stop())],
      ['registry', registry && (() => registry.stop())],
    ]
    for (const [component, stop] of steps) {
      try {
        await stop?.()
      } catch (err) {
        this.init.logger.warn('component did not stop cleanly', {
          component,
          error: (err as Error).message,
        })
      }
    }
  }
}
