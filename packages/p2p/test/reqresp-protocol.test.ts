// One request/response protocol over in-memory stream pairs (@libp2p/utils'
// `streamPair`) and stub components instead of a libp2p node: the framing,
// caps, deadlines and refusals of both ends, with tiny caps and short
// deadlines, so each edge case takes milliseconds. reqresp.e2e.test.ts runs
// the real protocols between real nodes over TCP.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { sleep, waitFor } from '@paraloom/test-utils'
import { peerIdFromPublicKeyBytes } from '../src/identity.js'
import { PeerAction, type PeerOffence } from '../src/peers/peer-action.js'
import { encodeFrame, encodeVarint } from '../src/reqresp/frame.js'
import {
  type BodyCodec,
  ReqRespProtocol,
  type ReqRespProtocolInit,
} from '../src/reqresp/protocol.js'
import { readFrame, writeFrame } from '../src/reqresp/stream-io.js'
import { makeValidator } from './helpers/nodes.js'

const PROTOCOL = '/paraloom/test/echo/1.0.0'
const REQUEST_MAX_BYTES = 16
const RESPONSE_MAX_BYTES = 32
/** The exchange deadline: short, as nothing here waits on a network. */
const DEADLINE_MS = 300
const PEER = peerIdFromPublicKeyBytes(makeValidator().publicKey)

setFlagsFromString('--expose-gc')
/** A full garbage collection, as memory pressure would run one. */
const collectGarbage = runInNewContext('gc') as () => void

/** A body is its bytes; one starting 0xff does not decode, one starting 0xfe does not encode. */
const bytes: BodyCodec<Uint8Array> = {
  encode(value) {
    if (value[0] === 0xfe) throw new RangeError('tag 0xfe is out of range')
    return value
  },
  decode(body) {
    if (body[0] === 0xff) throw new Error('unknown tag 0xff')
    return body.slice()
  },
}

type Init = Partial<ReqRespProtocolInit<Uint8Array, Uint8Array>>

interface Harness {
  protocol: ReqRespProtocol<Uint8Array, Uint8Array>
  /** `direction outcome`, one per exchange, in order. */
  outcomes: string[]
  /** What each misbehaving peer was charged. */
  actions: [PeerAction, PeerOffence][]
  /** A stream from the peer to the protocol's handler: the peer's end, to write raw bytes on. */
  inbound(): Promise<Stream>
  /** Hands `stream` to the protocol's handler, as libp2p does with an inbound stream. */
  accept(stream: Stream): void
  /** Answers the protocol's next dial: `respond` gets the far end (the responder's). */
  respondWith(respond: (remote: Stream) => void | Promise<void>): void
  /** Makes the protocol's next dial fail, or never settle. */
  failDial(how: 'error' | 'hang'): void
}

const running: ReqRespProtocol<Uint8Array, Uint8Array>[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()))
})

async function harness(init: Init = {}): Promise<Harness> {
  let handler: StreamHandler | undefined
  let respond: (remote: Stream) => void | Promise<void> = () => {}
  let dialFailure: 'error' | 'hang' | undefined
  const outcomes: string[] = []
  const actions: [PeerAction, PeerOffence][] = []
  const protocol = new ReqRespProtocol(
    {
      handle: async (_protocol, fn) => {
        handler = fn
      },
      unhandle: async () => {
        handler = undefined
      },
      dialProtocol: async (_peer, _protocol, { signal }) => {
        if (dialFailure === 'error') throw new Error('connection refused')
        if (dialFailure === 'hang') {
          return new Promise<Stream>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          )
        }
        const [local, remote] = await streamPair()
        void respond(remote)
        return local
      },
    },
    {
      protocol: PROTOCOL,
      request: bytes,
      response: bytes,
      requestMaxBytes: REQUEST_MAX_BYTES,
      responseMaxBytes: RESPONSE_MAX_BYTES,
      timeoutMs: DEADLINE_MS,
      handler: async (request) => request,
      onOutcome: (direction, outcome) => outcomes.push(`${direction} ${outcome}`),
      onPeerAction: (_peer: PeerId, action, offence) => actions.push([action, offence]),
      ...init,
    },
  )
  await protocol.start()
  running.push(protocol)
  const accept = (stream: Stream): void => {
    if (handler === undefined) throw new Error('the protocol did not register a handler')
    void handler(stream, { remotePeer: PEER } as unknown as Connection)
  }
  return {
    protocol,
    outcomes,
    actions,
    accept,
    async inbound() {
      const [peerEnd, nodeEnd] = await streamPair()
      accept(nodeEnd)
      return peerEnd
    },
    respondWith(fn) {
      respond = fn
    },
    failDial(how) {
      dialFailure = how
    },
  }
}

/** How the stream's answer ends, as the requesting peer reads it. */
async function answer(stream: Stream): Promise<Uint8Array | string> {
  try {
    return await readFrame(stream, {
      signal: AbortSignal.timeout(10 * DEADLINE_MS),
      protocol: PROTOCOL,
      maxBytes: RESPONSE_MAX_BYTES,
    })
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

/**
 * Opens a stream to the protocol's handler, writes `bytes` on it and, unless
 * `hold`, closes the peer's writable end; resolves with how the answer ends.
 */
async function ask(h: Harness, bytes: Uint8Array | undefined, hold = false) {
  const peer = await h.inbound()
  if (bytes !== undefined) peer.send(bytes)
  // The node may reset the stream before the close completes: the answer says so.
  if (!hold) await peer.close().catch(() => {})
  return answer(peer)
}

/** Until `count` exchanges are recorded: the inbound side records its outcome after it answers. */
const settled = (h: Harness, count = 1) =>
  waitFor(`${count} recorded outcomes`, () => h.outcomes.length >= count, {
    timeoutMs: 10 * DEADLINE_MS,
    intervalMs: 1,
  })

describe('ReqRespProtocol, inbound (the server side)', () => {
  it('answers a request exactly at the cap', async () => {
    const h = await harness()
    const body = new Uint8Array(REQUEST_MAX_BYTES).fill(7)
    expect(await ask(h, encodeFrame(body))).toEqual(body)
    await settled(h)
    expect(h.outcomes).toEqual(['inbound ok'])
    expect(h.actions).toEqual([])
  })

  it.each([
    [
      'a frame declared one byte over the cap, from its prefix alone',
      () => encodeVarint(REQUEST_MAX_BYTES + 1),
      'TooLarge',
      [PeerAction.Fatal, 'oversize_request'],
    ],
    [
      'a truncated frame (10 bytes declared, 3 sent)',
      () => Uint8Array.of(10, 1, 2, 3),
      'Malformed',
      [PeerAction.LowToleranceError, 'malformed_request'],
    ],
    [
      'a non-minimal length prefix',
      () => Uint8Array.of(0x81, 0x00, 1),
      'Malformed',
      [PeerAction.LowToleranceError, 'malformed_request'],
    ],
    [
      'bytes after the frame',
      () => Uint8Array.of(...encodeFrame(Uint8Array.of(1)), 9, 9),
      'Malformed',
      [PeerAction.LowToleranceError, 'malformed_request'],
    ],
    [
      'a frame that does not decode',
      () => encodeFrame(Uint8Array.of(0xff, 1)),
      'Decode',
      [PeerAction.LowToleranceError, 'malformed_request'],
    ],
  ] as const)('resets %s and charges the peer', async (_, frame, code, action) => {
    const h = await harness()
    expect(await ask(h, frame())).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual([`inbound ${code}`])
    expect(h.actions).toEqual([action])
  })

  it('a peer that opens a stream and never sends is reset at the deadline, charged as a timeout', async () => {
    const h = await harness()
    expect(await ask(h, undefined, true)).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual(['inbound Timeout'])
    expect(h.actions).toEqual([[PeerAction.MidToleranceError, 'request_timeout']])
  })

  it('the deadline holds through garbage collections (nothing but its timer holds it)', async () => {
    const h = await harness({ inbound: { maxConcurrentPerPeer: 20, burst: 20 } })
    const silent = Promise.all(Array.from({ length: 20 }, () => ask(h, undefined, true)))
    for (let i = 0; i < 5; i++) {
      collectGarbage()
      await sleep(DEADLINE_MS / 10)
    }
    expect(new Set(await silent)).toEqual(new Set(['Reset']))
    await settled(h, 20)
    expect(new Set(h.outcomes)).toEqual(new Set(['inbound Timeout']))
  })

  it('a peer that ends its stream without a frame is refused, uncharged', async () => {
    const h = await harness()
    expect(await ask(h, undefined)).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual(['inbound Refused'])
    expect(h.actions).toEqual([])
  })

  it('a peer over its rate is refused and charged a little; the stream carries no answer', async () => {
    const h = await harness({ inbound: { burst: 1, ratePerSecond: 0.001 } })
    expect(await ask(h, encodeFrame(Uint8Array.of(1)))).toEqual(Uint8Array.of(1))
    expect(await ask(h, encodeFrame(Uint8Array.of(2)))).toMatch(/^(Refused|Reset)$/)
    await settled(h, 2)
    expect(h.outcomes).toEqual(['inbound ok', 'inbound RateLimited'])
    expect(h.actions).toEqual([[PeerAction.HighToleranceError, 'rate_limited']])
  })

  it('a refused stream that declares a frame over the cap still costs its peer the ban', async () => {
    const h = await harness({ handler: undefined })
    // Only the prefix, and the stream held open: refused from the prefix alone.
    expect(await ask(h, encodeVarint(REQUEST_MAX_BYTES + 1), true)).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual(['inbound TooLarge'])
    expect(h.actions).toEqual([[PeerAction.Fatal, 'oversize_request']])
  })

  it('without a handler a stream is refused, uncharged', async () => {
    const h = await harness({ handler: undefined })
    expect(await ask(h, encodeFrame(Uint8Array.of(1)))).toMatch(/^(Refused|Reset)$/)
    await settled(h)
    expect(h.outcomes).toEqual(['inbound Refused'])
    expect(h.actions).toEqual([])
  })

  it.each([
    ['throws', async () => Promise.reject(new Error('no such block'))],
    ['answers over the response cap', async () => new Uint8Array(RESPONSE_MAX_BYTES + 1)],
  ])('a handler that %s resets the stream, and the peer is not charged', async (_, handler) => {
    const h = await harness({ handler })
    expect(await ask(h, encodeFrame(Uint8Array.of(1)))).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual(['inbound HandlerFailed'])
    expect(h.actions).toEqual([])
  })

  it('a handler that never answers is cut off at the deadline, its signal aborted', async () => {
    let aborted: AbortSignal | undefined
    const h = await harness({
      handler: (_, { signal }) => {
        aborted = signal
        return new Promise(() => {})
      },
    })
    expect(await ask(h, encodeFrame(Uint8Array.of(1)))).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual(['inbound Timeout'])
    expect(aborted?.aborted).toBe(true)
    // The handler was slow, not the peer.
    expect(h.actions).toEqual([])
  })

  it('stop aborts an exchange in flight without charging its peer', async () => {
    let handling = false
    const h = await harness({
      handler: () => {
        handling = true
        return new Promise(() => {})
      },
    })
    const answered = ask(h, encodeFrame(Uint8Array.of(1)))
    await waitFor('the handler to run', () => handling)
    await h.protocol.stop()
    expect(await answered).toBe('Reset')
    await settled(h)
    expect(h.outcomes).toEqual(['inbound Aborted'])
    expect(h.actions).toEqual([])
  })
})

/** A responder that reads the request, then does `then` with the stream. */
const responder =
  (then: (remote: Stream) => void | Promise<void>) =>
  async (remote: Stream): Promise<void> => {
    await readFrame(remote, {
      signal: AbortSignal.timeout(10 * DEADLINE_MS),
      protocol: PROTOCOL,
      maxBytes: REQUEST_MAX_BYTES,
    }).catch(() => {})
    await then(remote)
  }

describe('ReqRespProtocol, outbound (the client side)', () => {
  it('sends one frame and returns the decoded answer; two protocols talk end to end', async () => {
    const server = await harness({ handler: async (req) => Uint8Array.of(...req, ...req) })
    const client = await harness()
    // The far end of the client's stream is the server's inbound stream.
    client.respondWith((remote) => server.accept(remote))
    expect(await client.protocol.request(PEER, Uint8Array.of(1, 2))).toEqual(
      Uint8Array.of(1, 2, 1, 2),
    )
    expect(client.outcomes).toEqual(['outbound ok'])
  })

  it.each([
    [
      'declares a response over the cap',
      (s: Stream) => {
        s.send(encodeVarint(RESPONSE_MAX_BYTES + 1))
      },
      'TooLarge',
    ],
    [
      'cuts its response short',
      async (s: Stream) => {
        s.send(Uint8Array.of(10, 1, 2))
        await s.close()
      },
      'Malformed',
    ],
    [
      'answers what does not decode',
      (s: Stream) =>
        writeFrame(s, Uint8Array.of(0xff), {
          signal: AbortSignal.timeout(1000),
          protocol: PROTOCOL,
        }),
      'Decode',
    ],
    ['resets the stream', (s: Stream) => s.abort(new Error('handler failed')), 'Reset'],
    ['ends the stream without a frame', (s: Stream) => s.close(), 'Refused'],
    ['never answers', () => {}, 'Timeout'],
  ] as [
    string,
    (s: Stream) => void | Promise<void>,
    string,
  ][])('a responder that %s: a typed error within the deadline', async (_, act, code) => {
    const h = await harness()
    h.respondWith(responder(act))
    const started = Date.now()
    await expect(h.protocol.request(PEER, Uint8Array.of(1))).rejects.toMatchObject({
      name: 'RequestError',
      code,
    })
    expect(Date.now() - started).toBeLessThan(10 * DEADLINE_MS)
    expect(h.outcomes).toEqual([`outbound ${code}`])
  })

  it('a dial that fails is a Dial error; one that never ends is a Timeout: the deadline covers the dial', async () => {
    const h = await harness()
    h.failDial('error')
    await expect(h.protocol.request(PEER, Uint8Array.of(1))).rejects.toMatchObject({
      code: 'Dial',
    })
    h.failDial('hang')
    await expect(
      h.protocol.request(PEER, Uint8Array.of(1), { timeoutMs: 50 }),
    ).rejects.toMatchObject({
      code: 'Timeout',
    })
    expect(h.outcomes).toEqual(['outbound Dial', 'outbound Timeout'])
  })

  it('the caller can abort; its own reason is not a timeout', async () => {
    const h = await harness()
    h.respondWith(() => {})
    const abort = new AbortController()
    const pending = h.protocol.request(PEER, Uint8Array.of(1), { signal: abort.signal })
    abort.abort()
    await expect(pending).rejects.toMatchObject({ code: 'Aborted' })
  })

  it('checks what it sends before dialling: over the cap, not encodable, not started', async () => {
    const h = await harness()
    let dialled = false
    h.respondWith(() => {
      dialled = true
    })
    await expect(
      h.protocol.request(PEER, new Uint8Array(REQUEST_MAX_BYTES + 1)),
    ).rejects.toMatchObject({ code: 'TooLarge' })
    await expect(h.protocol.request(PEER, Uint8Array.of(0xfe))).rejects.toMatchObject({
      code: 'Invalid',
    })
    await h.protocol.stop()
    await expect(h.protocol.request(PEER, Uint8Array.of(1))).rejects.toMatchObject({
      code: 'NotStarted',
    })
    expect(dialled).toBe(false)
    expect(h.outcomes).toEqual(['outbound TooLarge', 'outbound Invalid', 'outbound NotStarted'])
  })
})
