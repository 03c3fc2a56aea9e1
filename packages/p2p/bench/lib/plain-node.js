// A plain libp2p node with libp2p's own connection monitor at its defaults:
// the reference the failure-detection figures are compared with. Same
// transport stack as a Paraloom node (TCP, Noise, Yamux, identify, ping).
import '../../dist/index.js' // installs the Promise.withResolvers polyfill libp2p 3 needs
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'

/** `seed` is the node's 32-byte ed25519 seed; `announce` replaces the listen address in identify. */
export async function createPlainNode({ seed, port, announce = [] }) {
  return createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', seed),
    addresses: { listen: [`/ip4/127.0.0.1/tcp/${port}`], announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
  })
}
