// PingStreams over real libp2p nodes on 127.0.0.1: one long-lived
// /ipfs/ping/1.0.0 stream per peer, answered by libp2p's own ping handler;
// and against hand-written handlers: a peer that never answers, one that
// echoes garbage, one that ends the stream after each echo.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { PeerId, Stream } from '@libp2p/interface'
import { waitFor } from '@paraloom/test-utils'
import { PING_LENGTH, PING_PROTOCOL, PingStreams } from '../src/liveness/ping-stream.js'
import { createPingNode, type PingNode, testKey } from './fixtures/liveness-helpers.js'

describe('PingStreams', () => {
  let watcher: PingNode
  let peer: PingNode
  const opened: string[] = []
  const late: number[] = []
  let streams: PingStreams

  beforeAll(async () => {
    const [w, p] = await Promise.all([testKey(41), testKey(42)])
    watcher = await createPingNode(w.privateKey)
    peer = await createPingNode(p.privateKey)
    await watcher.dial(peer.getMultiaddrs()[0]!)
  })

  afterEach(() => {
    streams?.closeAll()
    opened.length = 0
    late.length = 0
  })

  afterAll(async () => {
    await Promise.all([watcher?.stop(), peer?.stop()])
  })

  function pingStreams(maxOutstanding?: number): PingStreams {
    streams = new PingStreams(
      {
        openStream: async (id: PeerId, protocol: string, options: { signal: AbortSignal }) => {
          opened.push(protocol)
          return watcher.dialProtocol(id, protocol, options)
        },
      },
      { maxOutstanding, onLateReply: (_peer, rttMs) => late.push(rttMs) },
    )
    return streams
  }

  /** Runs `run` against a fresh peer whose ping handler is `handler`. */
  async function withHandler(
    seedByte: number,
    handler: (stream: Stream) => void,
    run: (target: PeerId) => Promise<void>,
  ) {
    const key = await testKey(seedByte)
    const node = await createPingNode(key.privateKey)
    try {
      await node.unhandle(PING_PROTOCOL)
      await node.handle(PING_PROTOCOL, handler, { maxInboundStreams: 16 })
      await watcher.dial(node.getMultiaddrs()[0]!)
      await run(node.peerId)
    } finally {
      await node.stop()
    }
  }

  it('opens one stream and pings on it again and again (one round trip each)', async () => {
    const s = pingStreams()
    for (let i = 0; i < 20; i++) {
      const rtt = await s.ping(peer.peerId, { signal: AbortSignal.timeout(5000) })
      expect(rtt).toBeGreaterThanOrEqual(0)
    }
    expect(opened).toEqual([PING_PROTOCOL])
    expect(s.size).toBe(1)
  })

  it('a peer that never answers: the probe rejects with its signal; the stream is reset once stuck', async () => {
    const held: Stream[] = []
    await withHandler(
      44,
      (stream) => {
        held.push(stream) // reads nothing, echoes nothing
      },
      async (target) => {
        const s = pingStreams(2)
        for (let i = 0; i < 2; i++) {
          const signal = AbortSignal.timeout(300)
          await expect(s.ping(target, { signal })).rejects.toMatchObject({ name: 'TimeoutError' })
        }
        expect(opened).toHaveLength(1)
        // a third ping finds 2 unanswered: the stuck stream is reset and a fresh one opened
        const signal = AbortSignal.timeout(300)
        await expect(s.ping(target, { signal })).rejects.toMatchObject({ name: 'TimeoutError' })
        expect(opened).toHaveLength(2)
        await waitFor('the stuck stream reset', () => held[0]?.status !== 'open', 5000)
      },
    )
  })

  it('a late echo is reported as a late reply; the stream stays open for the next ping', async () => {
    await withHandler(
      45,
      (stream) => {
        // echoes every chunk 1 s late
        stream.addEventListener('message', (evt) => {
          const data = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()
          setTimeout(() => stream.send(data), 1000)
        })
      },
      async (target) => {
        const s = pingStreams()
        const signal = AbortSignal.timeout(300)
        await expect(s.ping(target, { signal })).rejects.toMatchObject({ name: 'TimeoutError' })
        await waitFor('the late reply', () => late.length === 1, 5000)
        expect(late[0]).toBeGreaterThanOrEqual(900)
        const rtt = await s.ping(target, { signal: AbortSignal.timeout(5000) })
        expect(rtt).toBeGreaterThanOrEqual(900)
        expect(opened).toHaveLength(1)
      },
    )
  })

  it('a wrong echo resets the stream and fails the ping', async () => {
    await withHandler(
      46,
      (stream) => {
        stream.addEventListener('message', () => {
          stream.send(new Uint8Array(PING_LENGTH).fill(7))
        })
      },
      async (target) => {
        const s = pingStreams()
        await expect(s.ping(target, { signal: AbortSignal.timeout(5000) })).rejects.toThrow(
          'does not match',
        )
        expect(s.size).toBe(0)
      },
    )
  })

  it('a stream the peer ends is reopened by the next ping, transparently', async () => {
    await withHandler(
      47,
      (stream) => {
        // echoes once, then closes: like libp2p's handler at the end of its lifetime
        stream.addEventListener(
          'message',
          (evt) => {
            stream.send(evt.data)
            void stream.close().catch(() => {})
          },
          { once: true },
        )
      },
      async (target) => {
        const s = pingStreams()
        for (let i = 0; i < 3; i++) {
          await expect(
            s.ping(target, { signal: AbortSignal.timeout(5000) }),
          ).resolves.toBeGreaterThanOrEqual(0)
        }
        expect(opened.length).toBeGreaterThanOrEqual(2)
      },
    )
  })

  it('a connection that closes under a ping fails it at once', async () => {
    await withHandler(
      48,
      () => {},
      async (target) => {
        const s = pingStreams()
        const pending = s.ping(target, { signal: AbortSignal.timeout(10_000) })
        await waitFor('the stream open', () => s.size === 1, 5000)
        const startedAt = Date.now()
        await watcher.hangUp(target)
        await expect(pending).rejects.toThrow()
        expect(Date.now() - startedAt).toBeLessThan(5000)
        expect(s.size).toBe(0)
      },
    )
  })

  it('a peer with no connection: the open fails and the ping rejects at once', async () => {
    const other = await testKey(43)
    const s = pingStreams()
    await expect(s.ping(other.peerId, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
    expect(s.size).toBe(0)
  })
})
