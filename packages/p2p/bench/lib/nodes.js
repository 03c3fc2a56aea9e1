// Paraloom nodes hosted by a benchmark worker: `count` validators of the
// shared registry, each on its pre-assigned loopback port.
import { createParaloomNode, StaticDirectory } from '../../dist/index.js'
import { seedPeers } from './keys.js'

export const NETWORK = 'localnet'

/**
 * Creates (not starts) one node per `{ seed, port }` of `own`, all sharing
 * one registry built from `seeds` (see keys.js `seedList`). `options` are
 * extra `createParaloomNode` options (liveness timings and the like).
 */
export async function createNodes({ own, seeds, options = {} }) {
  const directory = new StaticDirectory(seedPeers(seeds))
  return Promise.all(
    own.map(({ seed, port }) =>
      createParaloomNode({
        network: NETWORK,
        privateKey: seed,
        listen: [`/ip4/127.0.0.1/tcp/${port}`],
        directory,
        ...options,
      }),
    ),
  )
}

/** Stops every node, ignoring the ones that fail to stop (the worker exits next). */
export async function stopAll(nodes) {
  await Promise.allSettled(nodes.map((n) => n.stop()))
}

/** Distinct remote peers a node holds an open connection to. */
export function connectedPeerCount(node) {
  return new Set(node.libp2p.getConnections().map((c) => c.remotePeer.toString())).size
}
