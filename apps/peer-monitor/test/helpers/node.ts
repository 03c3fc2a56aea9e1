import { randomUUID } from 'node:crypto'
import { Server, ServerCredentials } from '@grpc/grpc-js'
import { noopLogger } from '@paraloom/interface'
import { createPeerRegistry, type PeerRegistry } from '@paraloom/p2p'
import { type Observer, PeerMonitorService } from '@paraloom/proto'
// Test-only: the node's real PeerMonitor service (apps never import each other in src).
import { createPeerMonitorService } from '../../../validator-node/src/grpc/peer-monitor.js'

/** A real gRPC PeerMonitor server backed by a real PeerRegistry the test drives. */
export interface TestNode {
  address: string
  registry: PeerRegistry
  observer: Observer
  /** Ends every stream and shuts the server down. */
  stop(): Promise<void>
}

export interface TestNodeInit {
  /** The observing validator's identity. */
  validator: string
  /** Bind this port (to restart a node on the same address). @default 0 */
  port?: number
  historyCapacity?: number
  offlineAfterMissed?: number
}

export async function startTestNode(init: TestNodeInit): Promise<TestNode> {
  const registry = createPeerRegistry({
    offlineAfterMissed: init.offlineAfterMissed ?? 3,
    historyCapacity: init.historyCapacity ?? 10_000,
    slowRttMs: 500,
  })
  const observer: Observer = {
    peerId: `peer-${init.validator}`,
    validator: init.validator,
    incarnation: randomUUID(),
    network: 'localnet',
  }
  const service = createPeerMonitorService({ registry, observer, logger: noopLogger })
  const server = new Server()
  server.addService(PeerMonitorService, service.implementation)
  const port = await bind(server, init.port ?? 0)
  return {
    address: `127.0.0.1:${port}`,
    registry,
    observer,
    async stop() {
      service.close()
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()))
      server.forceShutdown()
    },
  }
}

/** Binds a grpc-js server on 127.0.0.1 and resolves its port. */
export function bind(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  )
}

/** Drives a peer to OFFLINE (N misses) or CONNECTED (a fast reply) on a registry. */
export function drive(
  registry: PeerRegistry,
  peer: string,
  to: 'OFFLINE' | 'CONNECTED' | 'SLOW',
): void {
  if (to === 'CONNECTED') registry.recordReply(peer, 5)
  else if (to === 'SLOW') for (let i = 0; i < 5; i++) registry.recordReply(peer, 2000)
  else for (let i = 0; i < 3; i++) registry.recordMiss(peer, 'timeout')
}
