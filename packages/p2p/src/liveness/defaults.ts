/**
 * The liveness defaults, in one object: the registry and the scheduler fall
 * back to these, and an embedder's config (validator.toml's `[liveness]`)
 * takes its defaults from here instead of repeating the numbers.
 */
export const LIVENESS_DEFAULTS = {
  /** Time between two probe rounds, in milliseconds. */
  pingIntervalMs: 5000,
  /** The least time a probe waits for a reply, in milliseconds. */
  pingTimeoutMs: 5000,
  /** A smoothed RTT above this makes a peer SLOW, in milliseconds. */
  slowRttMs: 500,
  /** Consecutive misses that make a peer OFFLINE. */
  offlineAfterMissed: 3,
  /** Consecutive replies beyond the hysteresis band before CONNECTED ⇄ SLOW. */
  slowConfirmReplies: 5,
  /** Transitions the replayable history keeps. */
  historyCapacity: 10_000,
  /** Peers tracked at most. */
  maxPeers: 4096,
  /** Transition listeners at most. */
  maxListeners: 1024,
  /** Probes in flight at once, at most. */
  maxConcurrentProbes: 64,
} as const
