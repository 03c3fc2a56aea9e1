/**
 * Readiness of a devnet: polls every validator's ListPeers until each one
 * reports every other validator CONNECTED, printing progress as it goes,
 * or fails at a deadline saying who was still missing whom.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { type ListPeersResponse, type PeerMonitorClient, PeerState } from '@paraloom/proto'
import { listPeers } from 'paraloom/client'
import { DevnetError } from './errors.js'

export interface ReadinessTarget {
  name: string
  /** Base58 validator identity. */
  identity: string
  peerMonitor: PeerMonitorClient
}

/** What one validator reports about the others. */
export interface PeerView {
  name: string
  /** Other validators it reports CONNECTED. */
  connected: number
  /** How many other validators there are. */
  expected: number
  /** Names of the other validators not (yet) CONNECTED, with their state. */
  missing: string[]
  /** Set when ListPeers failed. */
  error?: string
}

export const STATE_NAMES: Readonly<Record<number, string>> = {
  [PeerState.PEER_STATE_CONNECTED]: 'CONNECTED',
  [PeerState.PEER_STATE_SLOW]: 'SLOW',
  [PeerState.PEER_STATE_OFFLINE]: 'OFFLINE',
  [PeerState.PEER_STATE_UNKNOWN]: 'UNKNOWN',
}

/** `self`'s view of the other `targets`, from its ListPeers answer. Pure. */
export function peerView(
  self: ReadinessTarget,
  targets: readonly ReadinessTarget[],
  response: ListPeersResponse,
): PeerView {
  const stateOf = new Map(response.peers.map((p) => [p.validator, p.state]))
  const others = targets.filter((t) => t.identity !== self.identity)
  const missing: string[] = []
  for (const other of others) {
    const state = stateOf.get(other.identity)
    if (state === PeerState.PEER_STATE_CONNECTED) continue
    missing.push(`${other.name} ${state === undefined ? 'not listed' : STATE_NAMES[state]}`)
  }
  return {
    name: self.name,
    connected: others.length - missing.length,
    expected: others.length,
    missing,
  }
}

/** One progress line: `validator-1 3/3, validator-2 2/3, validator-3 unreachable`. */
export function progressLine(views: readonly PeerView[]): string {
  return views
    .map((v) =>
      v.error !== undefined ? `${v.name} unreachable` : `${v.name} ${v.connected}/${v.expected}`,
    )
    .join(', ')
}

export interface ReadinessOptions {
  /** Give up after this long, in milliseconds. @default 90000 */
  deadlineMs?: number
  /** Time between two polls, in milliseconds. @default 500 */
  pollMs?: number
  /** Receives a progress line whenever the picture changes. */
  progress?(line: string): void
  signal?: AbortSignal
}

/** Everyone's view, once; a validator that does not answer gets `error`. */
export async function pollViews(
  targets: readonly ReadinessTarget[],
  options: { signal?: AbortSignal } = {},
): Promise<PeerView[]> {
  return Promise.all(
    targets.map(async (t) => {
      try {
        const response = await listPeers(t.peerMonitor, {
          deadlineMs: 2000,
          signal: options.signal,
        })
        return peerView(t, targets, response)
      } catch (err) {
        const others = targets.length - 1
        return {
          name: t.name,
          connected: 0,
          expected: others,
          missing: [],
          error: (err as Error).message,
        }
      }
    }),
  )
}

/**
 * Resolves with the final views once every validator reports all others
 * CONNECTED; throws DevnetError `NotReady` at the deadline, naming who was
 * still missing whom.
 */
export async function waitUntilAllConnected(
  targets: readonly ReadinessTarget[],
  options: ReadinessOptions = {},
): Promise<PeerView[]> {
  const deadlineMs = options.deadlineMs ?? 90_000
  const pollMs = options.pollMs ?? 500
  const giveUpAt = Date.now() + deadlineMs
  let lastLine = ''
  for (;;) {
    options.signal?.throwIfAborted()
    const views = await pollViews(targets, options)
    const line = progressLine(views)
    if (line !== lastLine) options.progress?.(`waiting for peers: ${line}`)
    lastLine = line
    if (views.every((v) => v.error === undefined && v.connected === v.expected)) return views
    if (Date.now() >= giveUpAt) {
      const detail = views
        .filter((v) => v.error !== undefined || v.missing.length > 0)
        .map((v) => `${v.name}: ${v.error ?? `missing ${v.missing.join(', ')}`}`)
        .join('; ')
      throw new DevnetError(
        'NotReady',
        `validators not all connected after ${deadlineMs} ms: ${detail}`,
      )
    }
    await delay(pollMs, undefined, { signal: options.signal })
  }
}

/** Resolves once the Solana JSON-RPC at `rpcUrl` answers `getHealth` with "ok"; DevnetError `RegistryDown` at the deadline. */
export async function waitForRpcHealth(
  rpcUrl: string,
  options: { deadlineMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadlineMs = options.deadlineMs ?? 20_000
  const giveUpAt = Date.now() + deadlineMs
  let last = 'no answer'
  while (Date.now() < giveUpAt) {
    options.signal?.throwIfAborted()
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":"getHealth"}',
        signal: AbortSignal.timeout(2000),
      })
      const body = (await res.json()) as { result?: unknown }
      if (body.result === 'ok') return
      last = JSON.stringify(body).slice(0, 200)
    } catch (err) {
      last = (err as Error).message
    }
    await delay(options.pollMs ?? 200, undefined, { signal: options.signal })
  }
  throw new DevnetError(
    'RegistryDown',
    `${rpcUrl} did not answer getHealth within ${deadlineMs} ms (${last})`,
  )
}
