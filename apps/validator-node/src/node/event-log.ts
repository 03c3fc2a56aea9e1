/**
 * The node's story at `info`: every peer transition, every ban, every
 * validator added to or removed from the registry. An operator reading the
 * log after an incident sees who went down, when and why, without gRPC.
 */
import type { Logger } from '@paraloom/interface'
import type { ParaloomNode, ParaloomNodeEvents } from '@paraloom/p2p'
import type { RegistryClient } from '@paraloom/registry'

/** Starts logging; returns the function that stops it. */
export function logNodeEvents(
  logger: Logger,
  p2p: ParaloomNode,
  registry: RegistryClient,
): () => void {
  const stopTransitions = p2p.liveness.registry.onTransition((t) => {
    logger.info('peer transition', {
      validator: t.validator,
      from: t.from,
      to: t.to,
      reason: t.reason,
      rttMs: t.rttMs === null ? null : Math.round(t.rttMs * 10) / 10,
      missed: t.consecutiveMisses,
      peerId: t.peer,
    })
  })
  const onBan = ({ detail: ban }: ParaloomNodeEvents['peer:banned']): void => {
    logger.warn('peer banned', {
      peerId: ban.peerId.toString(),
      reason: ban.reason,
      at: new Date(ban.atMs).toISOString(),
      until: new Date(ban.untilMs).toISOString(),
      score: ban.score,
    })
  }
  p2p.addEventListener('peer:banned', onBan)
  const stopChanges = registry.onChange((change) => {
    for (const v of change.added)
      logger.info('validator added to the registry', {
        validator: v.identity,
        multiaddrs: v.multiaddrs,
      })
    for (const v of change.removed)
      logger.info('validator removed from the registry', { validator: v.identity })
  })
  return () => {
    stopTransitions()
    p2p.removeEventListener('peer:banned', onBan)
    stopChanges()
  }
}
