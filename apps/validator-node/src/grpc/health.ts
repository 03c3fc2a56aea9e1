import { type ServerWritableStream, status } from '@grpc/grpc-js'
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
  ServingStatus,
} from '@paraloom/proto'

/** grpc.health.v1.Health over a fixed set of service names; '' is the whole server. */
export interface HealthService {
  implementation: HealthServer
  /** Sets a service's status and tells its watchers. */
  set(service: string, servingStatus: ServingStatus): void
  /** Ends every Watch stream. */
  close(): void
}

type Watch = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>

export function createHealthService(services: readonly string[]): HealthService {
  const statuses = new Map<string, ServingStatus>(
    ['', ...services].map((s) => [s, ServingStatus.NOT_SERVING]),
  )
  const watchers = new Map<Watch, string>()
  const MAX_WATCHERS = 64

  const implementation: HealthServer = {
    check(call, callback) {
      const current = statuses.get(call.request.service)
      if (current === undefined) {
        callback({
          code: status.NOT_FOUND,
          details: `unknown service ${JSON.stringify(call.request.service)}`,
        })
        return
      }
      callback(null, { status: current })
    },
    list(_call, callback) {
      callback(null, {
        statuses: Object.fromEntries([...statuses].map(([name, s]) => [name, { status: s }])),
      })
    },
    watch(call) {
      if (watchers.size >= MAX_WATCHERS) {
        call.emit('error', {
          code: status.RESOURCE_EXHAUSTED,
          details: `at most ${MAX_WATCHERS} health watchers`,
        })
        return
      }
      const service = call.request.service
      watchers.set(call, service)
      const forget = (): void => {
        watchers.delete(call)
      }
      call.on('cancelled', forget)
      call.on('close', forget)
      call.write({ status: statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN })
    },
  }

  return {
    implementation,
    set(service, servingStatus) {
      if (statuses.get(service) === servingStatus) return
      statuses.set(service, servingStatus)
      for (const [call, watched] of watchers)
        if (watched === service) call.write({ status: servingStatus })
    },
    close() {
      for (const call of watchers.keys()) call.end()
      watchers.clear()
    },
  }
}
