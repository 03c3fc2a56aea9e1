import type { RegistryStatus } from '@paraloom/registry'

/**
 * A snapshot older than this many refresh intervals makes /healthz degraded:
 * several refreshes in a row failed or were refused, so the node admits and
 * seeds from a registry view nobody has confirmed for a while. (Five leaves
 * room for the retry backoff and a slow RPC on a healthy node.)
 */
export const STALE_AFTER_REFRESHES = 5

/**
 * Why the registry side of a node is not healthy, or undefined when it is:
 * no snapshot at all, or one older than {@link STALE_AFTER_REFRESHES}
 * refresh intervals (with the failures and the last error, so the reason
 * says what to look at).
 */
export function registryProblem(
  status: RegistryStatus | undefined,
  refreshIntervalMs: number,
): string | undefined {
  if (status === undefined || status.source === 'none') {
    return 'no registry snapshot yet: the registry RPC has not answered and nothing is cached'
  }
  const ageMs = status.snapshotAgeMs ?? 0
  const limitMs = STALE_AFTER_REFRESHES * refreshIntervalMs
  if (ageMs <= limitMs) return undefined
  const lastError = status.lastError === undefined ? '' : `; last error: ${status.lastError}`
  return (
    `registry snapshot is ${Math.round(ageMs / 1000)} s old, over ${STALE_AFTER_REFRESHES} refresh ` +
    `intervals (${limitMs / 1000} s); ${status.consecutiveFailures} refreshes failed in a row${lastError}`
  )
}
