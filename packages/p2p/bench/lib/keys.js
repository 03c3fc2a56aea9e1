// Deterministic validator identities for the benchmarks: the 32-byte ed25519
// seed of validator i is sha256("paraloom-bench/<label>/<i>").
import { createHash } from 'node:crypto'
import { publicKeyFromSecret } from '@paraloom/codec'
import { seedPeer, solanaAddressFromPublicKey } from '../../dist/index.js'

export function validatorKeys(count, label) {
  return Array.from({ length: count }, (_, index) => {
    const seed = createHash('sha256').update(`paraloom-bench/${label}/${index}`).digest()
    const publicKey = publicKeyFromSecret(seed)
    return {
      index,
      seed: new Uint8Array(seed),
      publicKey,
      identity: solanaAddressFromPublicKey(publicKey),
    }
  })
}

/** The registry the benchmark validators share: every key at its loopback port. */
export function seedList(keys, ports) {
  return keys.map((k, i) => ({
    publicKey: k.publicKey,
    multiaddrs: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
  }))
}

/** SeedPeers from `seedList` entries (they cross the IPC boundary as plain data). */
export function seedPeers(list) {
  return list.map((s) => seedPeer(s.publicKey, s.multiaddrs))
}
