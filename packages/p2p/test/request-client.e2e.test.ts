// The fetch-only request client against a real validator node on 127.0.0.1:
// it asks with a key the peer admits, finds a peer named by identity at its
// registry address, is refused (typed) with a key the peer does not admit,
// and answers the pings the peer sends its identity, so a request that
// outlasts the peer's OFFLINE threshold is not cut by the peer's hang-up.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { StateSyncRequest } from '@paraloom/codec'
import { PeerState } from '@paraloom/interface'
import { sleep, waitFor } from '@paraloom/test-utils'
import {
  createRequestClient,
  type ParaloomNode,
  type RequestClient,
  StaticDirectory,
  seedPeer,
  solanaAddressFromPublicKey,
} from '../src/index.js'
import { makeValidator, seedOf, startNode, stopAll } from './helpers/nodes.js'

/**
 * The server's liveness: an identity that does not answer pings is OFFLINE
 * after 3 × 500 ms (a ping to one that cannot answer fails at once); one
 * that answers stays up even on a busy machine.
 */
const LIVENESS = { pingIntervalMs: 500, pingTimeoutMs: 500, offlineAfterMissed: 3 }
/** How long the server's handler holds a slow answer: twice the OFFLINE threshold. */
const SLOW_ANSWER_MS = 2 * LIVENESS.pingIntervalMs * LIVENESS.offlineAfterMissed

const request: StateSyncRequest = { network: 'Localnet', fromHeight: 7n, maxBlocks: 2 }
const directory = new StaticDirectory()
const serverKey = makeValidator()
/** A registered validator that is down: the client fetches with its key. */
const downKey = makeValidator()
let server: ParaloomNode
let slow = false
const clients: RequestClient[] = []

async function client(key = downKey, requestTimeoutMs?: number): Promise<RequestClient> {
  const c = await createRequestClient({
    network: 'localnet',
    privateKey: key.secretKey,
    directory,
    requestTimeoutMs,
  })
  clients.push(c)
  await c.start()
  return c
}

beforeAll(async () => {
  server = await startNode(serverKey, directory, {
    liveness: LIVENESS,
    // Admitted, but not (yet) in the registry: the server's liveness does not watch it.
    allow: [solanaAddressFromPublicKey(downKey.publicKey)],
    handlers: {
      stateSync: async (r) => {
        if (slow) await sleep(SLOW_ANSWER_MS)
        return { tipHeight: r.fromHeight + 100n, blocks: [] }
      },
    },
  })
  directory.add(seedOf(serverKey, server))
})

afterEach(async () => {
  slow = false
  await Promise.all(clients.splice(0).map((c) => c.stop()))
})

afterAll(stopAll)

describe('createRequestClient', () => {
  it('fetches from a peer named by multiaddr, with a validator key the peer admits', async () => {
    const c = await client()
    expect(c.identity).toBe(solanaAddressFromPublicKey(downKey.publicKey))
    const response = await c.requestStateSync(server.getMultiaddrs()[0]!, request)
    expect(response).toEqual({ tipHeight: 107n, blocks: [] })
  })

  it('dials a peer named by its identity or PeerId at its registry address', async () => {
    const c = await client()
    const byIdentity = await c.requestStateSync(server.identity, request)
    expect(byIdentity.tipHeight).toBe(107n)
    const byPeerId = await c.requestStateSync(server.peerId, request)
    expect(byPeerId.tipHeight).toBe(107n)
  })

  it('a key the peer does not admit gets a typed Dial error, not a hang', async () => {
    const c = await client(makeValidator(), 5000)
    await expect(c.requestStateSync(server.identity, request)).rejects.toMatchObject({
      name: 'RequestError',
      code: 'Dial',
    })
  })

  it('answers the pings the peer sends its identity: a request outlasting the OFFLINE threshold completes', async () => {
    const c = await client()
    slow = true
    const answer = c.requestStateSync(server.identity, request)
    await waitFor('the connection', () => server.libp2p.getConnections(c.peerId).length > 0)
    // The identity joins the registry mid-request: the server starts probing it over this
    // connection, and would hang up on it (cutting the request) if it went OFFLINE.
    directory.add(seedPeer(downKey.publicKey, []))
    await expect(answer).resolves.toMatchObject({ tipHeight: 107n })
    expect(server.liveness.registry.get(c.peerId.toString())?.state).toBe(PeerState.CONNECTED)
  })

  it('stop closes its connections: the peer sees the identity go', async () => {
    const c = await client()
    await c.requestStateSync(server.identity, request)
    expect(server.libp2p.getConnections(c.peerId).length).toBeGreaterThan(0)
    await c.stop()
    await waitFor('the server to lose the connection', () => {
      return server.libp2p.getConnections(c.peerId).length === 0
    })
    await expect(c.requestStateSync(server.identity, request)).rejects.toMatchObject({
      code: 'NotStarted',
    })
  })
})
