/**
 * The devnet's periodic status: one line per validator with its peers by
 * state (ListPeers), gossip accepted / rejected / delivered per topic
 * (`paraloom_gossip_messages_total` from /metrics, delivered from the
 * traffic generator's Subscribe streams) and the tip height it has seen.
 * A child that died is not polled: its line says DOWN, for how long and
 * where its log is, every round, until the devnet stops.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { GOSSIP_KINDS, type GossipKind } from '@paraloom/p2p'
import type { PeerMonitorClient } from '@paraloom/proto'
import { listPeers } from 'paraloom/client'
import { type DeadChild, downLine } from './failures.js'
import { fetchText, samplesOf } from './prometheus-text.js'
import { STATE_NAMES } from './readiness.js'
import type { ValidatorTraffic } from './traffic.js'

export interface StatusSource {
  name: string
  /** `http://host:port/metrics`. */
  metricsUrl: string
  peerMonitor: PeerMonitorClient
}

export interface GossipCounts {
  accept: number
  reject: number
  ignore: number
}

export interface ValidatorStatus {
  name: string
  /** Peers by state name (CONNECTED, SLOW, OFFLINE, UNKNOWN). */
  peers: Record<string, number>
  gossip: Record<GossipKind, GossipCounts>
  /** From the traffic generator, when it runs. */
  traffic?: Pick<ValidatorTraffic, 'delivered' | 'tipHeight'>
  /** What could not be read this round. */
  error?: string
}

export const GOSSIP_METRIC = 'paraloom_gossip_messages_total'

/** Gossip validation counts per topic kind from a /metrics body. */
export function gossipCounts(metricsText: string): Record<GossipKind, GossipCounts> {
  const counts = Object.fromEntries(
    GOSSIP_KINDS.map((k) => [k, { accept: 0, reject: 0, ignore: 0 }]),
  ) as Record<GossipKind, GossipCounts>
  for (const { labels, value } of samplesOf(metricsText, GOSSIP_METRIC)) {
    const kind = labels.topic?.split('/').pop() as GossipKind | undefined
    const result = labels.result as keyof GossipCounts | undefined
    if (kind === undefined || !(kind in counts) || result === undefined) continue
    if (result in counts[kind]) counts[kind][result] += value
  }
  return counts
}

/** Reads one validator's status; a part that cannot be read leaves zeros and sets `error`. */
export async function collectStatus(
  source: StatusSource,
  traffic: ValidatorTraffic | undefined,
  options: { signal?: AbortSignal } = {},
): Promise<ValidatorStatus> {
  const errors: string[] = []
  const peers: Record<string, number> = { CONNECTED: 0, SLOW: 0, OFFLINE: 0, UNKNOWN: 0 }
  const [listed, metrics] = await Promise.allSettled([
    listPeers(source.peerMonitor, { deadlineMs: 2000, signal: options.signal }),
    fetchText(source.metricsUrl, { timeoutMs: 2000, signal: options.signal }),
  ])
  if (listed.status === 'fulfilled') {
    for (const p of listed.value.peers) {
      const state = STATE_NAMES[p.state] ?? 'UNKNOWN'
      peers[state] = (peers[state] ?? 0) + 1
    }
  } else errors.push(`ListPeers: ${(listed.reason as Error).message}`)
  let gossip = gossipCounts('')
  if (metrics.status === 'fulfilled') gossip = gossipCounts(metrics.value)
  else errors.push(`metrics: ${(metrics.reason as Error).message}`)
  const status: ValidatorStatus = { name: source.name, peers, gossip }
  if (traffic !== undefined) status.traffic = traffic
  if (errors.length > 0) status.error = errors.join('; ')
  return status
}

/**
 * `validator-1 | peers C3 S0 O0 U0 | blocks 12/0/11 votes 96/0/88 results 2/0/2 | tip 13`:
 * per topic accepted/rejected/delivered; `-` where there is no traffic generator.
 */
export function formatStatusLine(s: ValidatorStatus): string {
  const p = s.peers
  const peers = `peers C${p.CONNECTED ?? 0} S${p.SLOW ?? 0} O${p.OFFLINE ?? 0} U${p.UNKNOWN ?? 0}`
  const topics = GOSSIP_KINDS.map((k) => {
    const delivered = s.traffic === undefined ? '-' : String(s.traffic.delivered[k])
    return `${k} ${s.gossip[k].accept}/${s.gossip[k].reject}/${delivered}`
  }).join(' ')
  const tip = s.traffic === undefined ? '-' : String(s.traffic.tipHeight)
  const error = s.error === undefined ? '' : ` | ${s.error}`
  return `${s.name} | ${peers} | ${topics} | tip ${tip}${error}`
}

export interface StatusLinesInit {
  sources: readonly StatusSource[]
  /** The traffic generator's counters, in the same order as `sources`. */
  traffic?: () => readonly ValidatorTraffic[]
  /** Time between two rounds of lines, in milliseconds. @default 5000 */
  intervalMs?: number
  /** Children that died so far, by name (validators and the others). */
  dead?: () => ReadonlyMap<string, DeadChild>
  print(line: string): void
}

/** The legend printed before the first round. */
export const STATUS_LEGEND =
  'status every few seconds: peers C(onnected) S(low) O(ffline) U(nknown); per topic accepted/rejected/delivered; tip = highest block seen'

/** Prints a round of status lines every interval until stopped. */
export function startStatusLines(init: StatusLinesInit): { stop(): Promise<void> } {
  const controller = new AbortController()
  const { signal } = controller
  const intervalMs = init.intervalMs ?? 5000
  const loop = (async () => {
    init.print(STATUS_LEGEND)
    while (!signal.aborted) {
      await delay(intervalMs, undefined, { signal }).catch(() => {})
      if (signal.aborted) return
      const traffic = init.traffic?.()
      const dead = init.dead?.() ?? new Map<string, DeadChild>()
      const lines = await Promise.all(
        init.sources.map(async (s, i) => {
          const down = dead.get(s.name)
          if (down !== undefined) return downLine(down, Date.now())
          return formatStatusLine(await collectStatus(s, traffic?.[i], { signal }))
        }),
      )
      if (signal.aborted) return
      const polled = new Set(init.sources.map((s) => s.name))
      for (const down of dead.values()) {
        if (!polled.has(down.name)) lines.push(downLine(down, Date.now()))
      }
      for (const line of lines) init.print(line)
    }
  })()
  return {
    async stop() {
      controller.abort()
      await loop
    },
  }
}
