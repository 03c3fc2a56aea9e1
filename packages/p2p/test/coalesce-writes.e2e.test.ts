// Writes coalesced per send between real nodes over 127.0.0.1: each send on a
// TCP connection leaves as one vector write (writev), never as separate writes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Connection } from '@libp2p/interface'
import { waitFor } from '@paraloom/test-utils'
import { type ParaloomNode, StaticDirectory } from '../src/index.js'
import { connected, makeValidator, seedOf, startNode, stopAll } from './helpers/nodes.js'

interface CountedSocket {
  _write: (...args: unknown[]) => unknown
  _writev: (...args: unknown[]) => unknown
}

/** Counts the socket's single writes and vector writes from now on. */
function countWrites(conn: Connection): { single: number; vector: number } {
  const socket = (conn as unknown as { maConn: { socket: CountedSocket } }).maConn.socket
  const counts = { single: 0, vector: 0 }
  const write = socket._write
  const writev = socket._writev
  socket._write = function (...args) {
    counts.single++
    return write.apply(this, args)
  }
  socket._writev = function (...args) {
    counts.vector++
    return writev.apply(this, args)
  }
  return counts
}

describe('coalesced writes between real nodes', () => {
  const directory = new StaticDirectory()
  let server: ParaloomNode
  let client: ParaloomNode

  beforeAll(async () => {
    const s = makeValidator()
    const c = makeValidator()
    server = await startNode(s, directory, {
      handlers: { stateSync: async (req) => ({ tipHeight: req.fromHeight, blocks: [] }) },
    })
    directory.add(seedOf(s, server))
    client = await startNode(c, directory)
    directory.add(seedOf(c, client))
    await waitFor('client connected to server', () => connected(client, server))
  })
  afterAll(stopAll)

  it('sends every frame of a request as one vector write, never as separate writes', async () => {
    const [conn] = client.libp2p.getConnections(server.peerId)
    const counts = countWrites(conn!)
    const request = { network: 'Localnet' as const, fromHeight: 7n, maxBlocks: 1 }
    for (let i = 0; i < 5; i++) {
      expect((await client.requestStateSync(server.peerId, request)).tipHeight).toBe(7n)
    }
    expect(counts.vector).toBeGreaterThan(0)
    expect(counts.single).toBe(0)
  })
})
