// Four validators and a peer-monitor where validator-4 lives in its own
// network namespace (netns.ts) and is reached only through a delay relay on
// this host: the others listen on 127.0.0.1, which the namespace cannot
// reach, so every connection to validator-4 is one they dial through the
// relay, and every byte it sends crosses the `data` veth and the relay.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll } from '@jest/globals'
import { findPeerMonitorBin, PEER_MONITOR_NOT_FOUND } from '../../../src/children.js'
import type { DevnetTimings } from '../../../src/files.js'
import { FaultCluster } from './cluster.js'
import { DelayRelay } from './delay-relay.js'
import { createIsolatedHost, type IsolatedHost, netnsUnavailable } from './netns.js'

export const ISOLATED = 3
export const OTHERS = [0, 1, 2]
export const ALL = [0, 1, 2, 3]

/**
 * Ping timeout well above what the latency test's 800 ms costs a ping (one
 * round trip on the long-lived ping stream, twice that when the stream must
 * be reopened: ~1.6 s), and below the interval: a probe that hangs for the whole timeout must end before the
 * next tick, or the scheduler skips that tick for the peer (probes of one
 * peer never overlap) and a silent peer collects a miss every other interval.
 */
export const NETNS_TIMINGS: DevnetTimings = {
  pingIntervalMs: 3000,
  pingTimeoutMs: 2500,
  slowRttMs: 500,
  offlineAfterMissed: 3,
  refreshSecs: 5,
}

/** peer-monitor: how long observers must agree before evidence counts, and how many. */
export const MONITOR_OFFLINE_THRESHOLD_MS = 3000
export const MONITOR_QUORUM = 2

export interface IsolatedCluster {
  cluster: FaultCluster
  host: IsolatedHost
  relay: DelayRelay
  /** Evidence records the monitor has stored so far. */
  evidence(): Promise<Array<{ validator: string; status: string; observers: string[] }>>
  stop(): Promise<void>
}

/** The peer-monitor this package depends on (turbo builds it before these tests run). */
function peerMonitorBin(): string {
  const bin = findPeerMonitorBin()
  if (bin === undefined) throw new Error(PEER_MONITOR_NOT_FOUND)
  return bin
}

export async function startIsolatedCluster(): Promise<IsolatedCluster> {
  const why = await netnsUnavailable()
  if (why !== undefined) throw new Error(`this test needs network namespaces: ${why}`)
  const monitorBin = peerMonitorBin()
  const host = await createIsolatedHost()
  let cluster: FaultCluster | undefined
  let relay: DelayRelay | undefined
  try {
    cluster = await FaultCluster.create({
      validators: 4,
      timings: NETNS_TIMINGS,
      registryHost: host.mgmtHostIp,
      endpoints: (i, plan, fallback) => {
        if (i !== ISOLATED) return fallback
        const ports = plan.validators[i]!
        // Registered at the relay, whose port on this host is free: the node itself is in the namespace.
        const registered = `/ip4/127.0.0.1/tcp/${ports.p2p}`
        return {
          p2pListen: `/ip4/${host.dataIp}/tcp/${ports.p2p}`,
          announce: [registered],
          registered,
          grpcListen: `${host.mgmtIp}:${ports.grpc}`,
          metricsListen: `${host.mgmtIp}:${ports.metrics}`,
        }
      },
      wrap: (i, spec) =>
        i === ISOLATED
          ? { ...spec, command: 'ip', args: ['netns', 'exec', host.ns, spec.command, ...spec.args] }
          : spec,
    })
    const port = cluster.plan.validators[ISOLATED]!.p2p
    relay = new DelayRelay({
      listenHost: '127.0.0.1',
      listenPort: port,
      targetHost: host.dataIp,
      targetPort: port,
    })
    await relay.start()
    await cluster.startRegistry()
    // The isolated node first: the others dial it (it cannot dial them).
    await cluster.startValidator(ISOLATED)
    await Promise.all(OTHERS.map((i) => cluster!.startValidator(i)))
    await cluster.waitAllConnected(ALL, 60_000)

    const db = join(cluster.dir, 'monitor.db')
    const grpc = ALL.map((i) => cluster!.endpoints[i]!.grpcListen)
    await cluster.children.start({
      name: 'monitor',
      command: process.execPath,
      args: [
        monitorBin,
        ...grpc.flatMap((g) => ['--validator', g]),
        '--db',
        db,
        '--offline-threshold-ms',
        String(MONITOR_OFFLINE_THRESHOLD_MS),
        '--quorum',
        String(MONITOR_QUORUM),
      ],
      logPath: join(cluster.dir, 'logs', 'monitor.log'),
    })
    await cluster.waitUntil(
      'the monitor watching all four',
      20_000,
      () =>
        (cluster!.lines.get('monitor') ?? []).filter((l) => l.includes('"msg":"watching"'))
          .length >= 4,
    )
    const c = cluster
    const r = relay
    return {
      cluster: c,
      host,
      relay: r,
      async evidence() {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [monitorBin, 'evidence', '--db', db, '--json'],
          { timeout: 10_000 },
        )
        return JSON.parse(stdout)
      },
      async stop() {
        await c.stop()
        await r.stop()
        await host.remove()
      },
    }
  } catch (err) {
    await cluster?.stop()
    await relay?.stop()
    await host.remove()
    throw err
  }
}

/**
 * One isolated cluster for the whole test file: started before its tests,
 * stopped (namespaces and all) after them. Call it at the top of the file;
 * the returned getter gives the running cluster inside a test.
 */
export function useIsolatedCluster(): () => IsolatedCluster {
  let net: IsolatedCluster | undefined
  beforeAll(async () => {
    net = await startIsolatedCluster()
  }, 100_000)
  afterAll(async () => {
    await net?.stop()
  })
  return () => {
    if (net === undefined) throw new Error('the isolated cluster did not start')
    return net
  }
}
