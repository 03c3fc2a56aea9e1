/**
 * Direct queries in the validator node, as one step of its lifecycle: the
 * state-sync block store, the Serve hub for an external answering process,
 * the p2p request handlers they make up, and the `paraloom.v1.Query` gRPC
 * service. Opened before the p2p node (its handlers go into it), attached
 * once the node runs, closed on stop.
 */
import type { Logger } from '@paraloom/interface'
import { DEFAULT_REQUEST_TIMEOUT_MS, type ParaloomNode, type RequestHandlers } from '@paraloom/p2p'
import { QueryService as QueryDefinition } from '@paraloom/proto'
import type { RegistryClient } from '@paraloom/registry'
import { Counter, type Registry } from 'prom-client'
import type { ValidatorConfig } from '../config/index.js'
import { createQueryService } from '../grpc/query.js'
import { ServeHub } from '../grpc/serve-hub.js'
import type { GrpcServiceEntry } from '../grpc/server.js'
import { StateSync } from '../sync/state-sync.js'

export const QUERY_SERVICE_NAME = 'paraloom.v1.Query'

export interface NodeQueriesInit {
  config: ValidatorConfig
  logger: Logger
  metrics: Registry
}

export class NodeQueries {
  readonly sync: StateSync
  readonly hub: ServeHub

  constructor(private readonly init: NodeQueriesInit) {
    const { config, logger } = init
    this.sync = new StateSync({
      config: config.sync,
      stateDir: config.stateDir,
      network: config.network,
      logger,
    })
    const served = new Counter({
      name: 'paraloom_serve_requests_total',
      help: 'Inbound requests forwarded to the Serve process, by protocol and outcome.',
      labelNames: ['protocol', 'outcome'],
      registers: [init.metrics],
    })
    this.hub = new ServeHub({
      inboundTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      fallback: {
        stateSync: (request) => this.sync.answer(request),
        // No proof service in this node: "not yet", as before a process serves them.
        withdrawalProof: () => ({ type: 'Pending', etaSlots: 0n }),
      },
      onOutcome: (protocol, outcome) => served.inc({ protocol, outcome }),
      onWarning: (message, fields) => logger.warn(message, fields),
    })
  }

  /** Loads the persisted blocks; the state directory exists by now. */
  open(): void {
    this.sync.open()
  }

  handlers(): RequestHandlers {
    return this.hub.handlers()
  }

  /** Once p2p runs: keep gossiped blocks, catch up if configured. */
  attach(p2p: ParaloomNode, registry: RegistryClient): void {
    this.sync.attach(p2p, (key) => registry.isActiveValidator(key))
  }

  grpcService(p2p: ParaloomNode, registry: RegistryClient): GrpcServiceEntry {
    return {
      definition: QueryDefinition,
      implementation: createQueryService({
        p2p,
        network: this.init.config.network,
        hub: this.hub,
        seeds: () => registry.seeds(),
        defaultTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      }),
    }
  }

  close(): void {
    this.hub.close()
    this.sync.close()
  }
}
