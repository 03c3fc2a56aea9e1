import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader'
import { ReflectionService } from '@grpc/reflection'
import { descriptorSet } from '@paraloom/proto'

export interface GrpcServiceEntry {
  definition: ServiceDefinition
  implementation: UntypedServiceImplementation
}

export interface GrpcServerHandle {
  /** The bound port (useful with port 0). */
  port: number
  /** Stops accepting calls, waits up to `graceMs` for open calls, then cancels the rest. */
  stop(graceMs?: number): Promise<void>
}

/**
 * Channel options: sizes above the largest gossip payload (1 MiB blocks) and
 * the largest Serve answer (a 4 MiB state-sync response), bounded.
 */
export const GRPC_MAX_RECEIVE_BYTES = 4 * 1024 * 1024 + 64 * 1024

const SERVER_OPTIONS = {
  'grpc.max_receive_message_length': GRPC_MAX_RECEIVE_BYTES,
  'grpc.max_send_message_length': 8 * 1024 * 1024,
  'grpc.max_concurrent_streams': 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
}

/**
 * Serves `services` plus server reflection on `listen` (`host:port`).
 * Rejects with the bind error (address in use, bad host) instead of throwing later.
 */
export async function startGrpcServer(
  listen: string,
  services: readonly GrpcServiceEntry[],
): Promise<GrpcServerHandle> {
  const server = new Server(SERVER_OPTIONS)
  for (const s of services) server.addService(s.definition, s.implementation)
  new ReflectionService(loadFileDescriptorSetFromBuffer(descriptorSet())).addToServer(server)

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(listen, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    )
  })

  return {
    port,
    stop: (graceMs = 2000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown()
          resolve()
        }, graceMs)
        server.tryShutdown(() => {
          clearTimeout(force)
          resolve()
        })
      }),
  }
}
