import type { PeerId } from '@libp2p/interface'
import { ParaloomError } from '@paraloom/interface'
import { raceSignal } from 'race-signal'
import type { MissReason } from './peer-state.js'
import type { RedialBackoff } from './redial-backoff.js'

/**
 * What the scheduler needs from a libp2p node. Tests pass stubs; the node
 * passes `services.ping.ping`, `dial` and `getConnections(peer).length > 0`.
 */
export interface LivenessComponents {
  /**
   * One ping round trip, resolving to its RTT in milliseconds. Must honour
   * `signal`; the scheduler also stops waiting when it fires. The node
   * passes `PingStreams.ping`: one long-lived stream per peer.
   */
  ping(peerId: PeerId, options: { signal: AbortSignal }): Promise<number>
  /** Opens a connection to the peer (its addresses are in the peer store). */
  dial(peerId: PeerId, options: { signal: AbortSignal }): Promise<void>
  /** Is there an open connection to the peer right now? */
  isConnected(peerId: PeerId): boolean
}

/** The result of one probe. */
export type ProbeOutcome = { kind: 'reply'; rttMs: number } | { kind: 'miss'; reason: MissReason }

/** Everything {@link ProbeScheduler} needs; every duration in milliseconds. */
export interface ProbeSchedulerInit {
  pingIntervalMs: number
  /** How long this peer's next dial, and then its ping, may each take (the registry's `probeTimeoutMs`). */
  timeoutFor(peer: string): number
  maxConcurrentProbes: number
  backoff: RedialBackoff
  clock: () => number
  components: LivenessComponents
  /** Receives each probe's outcome, for peers still scheduled and only while running. */
  onOutcome(peer: string, outcome: ProbeOutcome): void
}

/** Why the scheduler aborted a probe: its timeout passed, liveness stopped, or the peer was removed. */
type ProbeAbortCode = 'Timeout' | 'Stopped' | 'Removed'

/** The reason a probe's signal carries when the scheduler aborts it. */
export class ProbeAbortedError extends ParaloomError<{ code: ProbeAbortCode }> {
  static override readonly name = 'ProbeAbortedError'

  constructor(code: ProbeAbortCode) {
    super({ code }, `liveness probe aborted: ${code.toLowerCase()}`)
  }
}

interface InFlightProbe {
  controller: AbortController
  done: Promise<void>
}

/**
 * Every `pingIntervalMs`, gives each scheduled peer one probe: a redial
 * first when it is not connected (subject to backoff), then a ping, each
 * step bounded by the peer's own timeout (`timeoutFor`). Two probes of one
 * peer never overlap: a peer whose previous probe is still running at a
 * tick is marked due and probed the moment that probe ends. So with a
 * timeout equal to or above `pingIntervalMs` a silent peer still misses
 * once per timeout, instead of every other interval when the timeout loses
 * the race with the tick. At most `maxConcurrentProbes` run at once; the
 * rest wait in a queue holding each peer at most once. `probeNow` jumps the
 * schedule for a peer that just showed a sign of life.
 */
export class ProbeScheduler {
  private readonly init: ProbeSchedulerInit
  private readonly targets = new Map<string, PeerId>()
  /** Peers waiting for a probe slot; a Set keeps insertion order and holds each peer once. */
  private readonly queued = new Set<string>()
  /** Peers whose probe was still running at the last tick: probed again when it ends. */
  private readonly due = new Set<string>()
  private readonly inFlight = new Map<string, InFlightProbe>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false

  constructor(init: ProbeSchedulerInit) {
    this.init = init
  }

  isRunning(): boolean {
    return this.running
  }

  addTarget(peer: string, peerId: PeerId): void {
    this.targets.set(peer, peerId)
  }

  /** Stops probing the peer; aborts its running probe, whose outcome is dropped. */
  removeTarget(peer: string): void {
    this.targets.delete(peer)
    this.queued.delete(peer)
    this.due.delete(peer)
    this.inFlight.get(peer)?.controller.abort(new ProbeAbortedError('Removed'))
    this.init.backoff.reset(peer)
  }

  /**
   * The peer showed a sign of life (an inbound connection, a message):
   * forget its redial backoff and probe it at once, or right after its
   * running probe.
   */
  probeNow(peer: string): void {
    this.init.backoff.reset(peer)
    if (!this.running || !this.targets.has(peer)) return
    if (this.inFlight.has(peer)) this.due.add(peer)
    else this.queued.add(peer)
    this.pump()
  }

  /** Starts probing now and every interval after; idempotent. */
  start(): void {
    if (this.running) return
    this.running = true
    this.tick()
  }

  /** Clears the timer, aborts every running probe and waits for them to settle; idempotent. */
  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.queued.clear()
    this.due.clear()
    const probes = [...this.inFlight.values()]
    for (const probe of probes) probe.controller.abort(new ProbeAbortedError('Stopped'))
    await Promise.all(probes.map((p) => p.done))
  }

  private tick(): void {
    this.timer = setTimeout(() => this.tick(), this.init.pingIntervalMs)
    for (const peer of this.targets.keys()) {
      if (this.inFlight.has(peer)) this.due.add(peer)
      else this.queued.add(peer)
    }
    this.pump()
  }

  private pump(): void {
    while (this.running && this.inFlight.size < this.init.maxConcurrentProbes) {
      const next = this.queued.values().next()
      if (next.done === true) return
      this.queued.delete(next.value)
      this.launch(next.value)
    }
  }

  private launch(peer: string): void {
    const peerId = this.targets.get(peer)
    if (peerId === undefined) return
    const controller = new AbortController()
    const done = this.probe(peer, peerId, controller.signal)
      .then((outcome) => {
        if (this.running && !controller.signal.aborted && this.targets.get(peer) === peerId) {
          this.init.onOutcome(peer, outcome)
        }
      })
      .catch(() => {
        // onOutcome feeds the registry; a failure there must not become an unhandled rejection.
      })
      .finally(() => {
        this.inFlight.delete(peer)
        if (this.due.delete(peer) && this.running) this.queued.add(peer)
        this.pump()
      })
    this.inFlight.set(peer, { controller, done })
  }

  private async probe(peer: string, peerId: PeerId, signal: AbortSignal): Promise<ProbeOutcome> {
    const { components, backoff, clock } = this.init
    if (!components.isConnected(peerId)) {
      if (!backoff.canDial(peer, clock())) return { kind: 'miss', reason: 'dial-backoff' }
      try {
        await this.step(peer, signal, (s) => components.dial(peerId, { signal: s }))
      } catch (err) {
        backoff.failed(peer, clock())
        return { kind: 'miss', reason: isTimeout(err) ? 'timeout' : 'dial-failed' }
      }
    }
    backoff.reset(peer)
    try {
      const rttMs = await this.step(peer, signal, (s) => components.ping(peerId, { signal: s }))
      if (typeof rttMs !== 'number' || !Number.isFinite(rttMs) || rttMs < 0) {
        return { kind: 'miss', reason: 'ping-failed' }
      }
      return { kind: 'reply', rttMs }
    } catch (err) {
      return { kind: 'miss', reason: isTimeout(err) ? 'timeout' : 'ping-failed' }
    }
  }

  /** Runs one step of a probe under `probe` (stop/removal) and the peer's own timeout. */
  private async step<T>(
    peer: string,
    probe: AbortSignal,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const timer = new AbortController()
    const timeout = setTimeout(
      () => timer.abort(new ProbeAbortedError('Timeout')),
      this.init.timeoutFor(peer),
    )
    const signal = AbortSignal.any([probe, timer.signal])
    try {
      // The race ends the step when the signal fires even if `work` ignores it.
      return await raceSignal(work(signal), signal)
    } finally {
      clearTimeout(timeout)
    }
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof ProbeAbortedError && err.code === 'Timeout'
}
