/**
 * Choosing the devnet's ports: the defaults when they are free, else the
 * first shift by `stepOffset` (100, 200, …) under which every port is free.
 */
import { createServer } from 'node:net'
import { DevnetError } from './errors.js'
import { allPorts, type PortPlan, portPlan } from './layout.js'

/** Resolves true when `port` can be bound on `host` right now. */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** The ports of `plan` that are taken on `host`. */
export async function busyPorts(host: string, plan: PortPlan): Promise<number[]> {
  const busy: number[] = []
  for (const port of allPorts(plan)) if (!(await isPortFree(host, port))) busy.push(port)
  return busy
}

export interface ChoosePortsOptions {
  host: string
  /** A fixed shift: use it or fail, never shift further. */
  offset?: number
  /** The shift tried first. @default 0 (the documented ports) */
  firstOffset?: number
  /** The shift added per attempt. @default 100 */
  stepOffset?: number
  /** Shifts tried before giving up. @default 20 */
  maxAttempts?: number
}

export interface ChosenPorts {
  plan: PortPlan
  /** Ports that were busy at the first offset tried (empty when it was used). */
  busyAtDefault: number[]
}

/**
 * The port plan for `count` validators. With a fixed `offset` any busy port
 * is an error naming it; otherwise the first free shift wins.
 */
export async function choosePorts(
  count: number,
  options: ChoosePortsOptions,
): Promise<ChosenPorts> {
  const { host, offset, firstOffset = 0, stepOffset = 100, maxAttempts = 20 } = options
  if (offset !== undefined) {
    let plan: PortPlan
    try {
      plan = portPlan(count, offset)
    } catch (err) {
      throw new DevnetError('PortsBusy', (err as Error).message)
    }
    const busy = await busyPorts(host, plan)
    if (busy.length > 0) {
      throw new DevnetError(
        'PortsBusy',
        `ports ${busy.join(', ')} on ${host} are in use (--port-offset ${offset}); pick another offset`,
      )
    }
    return { plan, busyAtDefault: [] }
  }
  let busyAtDefault: number[] = []
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let plan: PortPlan
    try {
      plan = portPlan(count, firstOffset + attempt * stepOffset)
    } catch {
      break // shifted past the last port
    }
    const busy = await busyPorts(host, plan)
    if (attempt === 0) busyAtDefault = busy
    if (busy.length === 0) return { plan, busyAtDefault }
  }
  throw new DevnetError(
    'PortsBusy',
    `no free set of ports on ${host} after up to ${maxAttempts} shifts of ${stepOffset}; pass --port-offset`,
  )
}
