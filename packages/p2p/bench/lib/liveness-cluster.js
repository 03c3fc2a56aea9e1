// The validators of the failure-detection benchmarks: one liveness worker
// per validator, each with a Paraloom node and a plain libp2p node, all
// connected and settled. `route` may put a proxy (the jitter soak) in front
// of every node's listening port.
import { fileURLToPath } from 'node:url'
import { freePorts } from '@paraloom/test-utils'
import { callAll, startWorkers } from './cluster.js'
import { seedList, validatorKeys } from './keys.js'

const WORKER = fileURLToPath(new URL('../liveness-worker.js', import.meta.url))
const SETTLE_TIMEOUT_MS = 60_000

/**
 * Starts `count` validators with `liveness` options. Each worker gets
 * `.peerId`, `.plainPeerId`, `.ports` ({ paraloom, plain }). `route(ports)`,
 * if given, maps every validator's `{ paraloom, plain }` listening ports to
 * the ports the others must dial instead. `onEvent(worker, event, payload)`
 * receives the workers' offline/disconnect events.
 */
export async function startLivenessCluster({ count, label, liveness, route, onEvent }) {
  const keys = validatorKeys(count, label)
  const plainKeys = validatorKeys(count, `${label}-plain`)
  const ports = await freePorts(2 * count)
  const own = keys.map((_, i) => ({ paraloom: ports[2 * i], plain: ports[2 * i + 1] }))
  // Where the others reach validator i: its own ports, or the proxy's in front of them.
  const reach = route === undefined ? own : await route(own)
  const seeds = seedList(
    keys,
    reach.map((r) => r.paraloom),
  )
  const byName = new Map()
  const workers = await startWorkers(
    WORKER,
    keys.map((k) => `${label}-${k.index}`),
    { onEvent: (name, event, payload) => onEvent?.(byName.get(name), event, payload) },
  )
  for (const w of workers) byName.set(w.name, w)
  const announce = (port) => (route === undefined ? undefined : [`/ip4/127.0.0.1/tcp/${port}`])
  const ids = await callAll(workers, 'init', (_, i) => ({
    own: { seed: keys[i].seed, port: own[i].paraloom, announce: announce(reach[i].paraloom) },
    seeds,
    liveness,
    plainNode: { seed: plainKeys[i].seed, port: own[i].plain, announce: announce(reach[i].plain) },
  }))
  workers.forEach((w, i) => {
    Object.assign(w, ids[i], { ports: own[i] })
  })
  await callAll(workers, 'start')
  await callAll(workers, 'connectPlain', (_, i) => ({
    addrs: workers
      .filter((_, j) => j > i)
      .map((other, k) => `/ip4/127.0.0.1/tcp/${reach[i + 1 + k].plain}/p2p/${other.plainPeerId}`),
  }))
  await callAll(
    workers,
    'settled',
    (w) => ({
      peers: count - 1,
      plainPeers: workers.filter((o) => o !== w).map((o) => o.plainPeerId),
      timeoutMs: SETTLE_TIMEOUT_MS,
    }),
    { timeoutMs: SETTLE_TIMEOUT_MS + 10_000 },
  )
  return workers
}
