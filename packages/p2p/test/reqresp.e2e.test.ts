// Request/response between real nodes on 127.0.0.1, with a misbehaving peer
// speaking raw frames: caps at the boundary (checked from the length prefix),
// deadlines against a peer that never answers, inbound limits, typed errors.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Stream } from '@libp2p/interface'
import { StateSyncRequest, StateSyncResponse } from '@paraloom/codec'
import { sleep, waitFor } from '@paraloom/test-utils'
import {
  type ParaloomNode,
  type RequestHandlers,
  StaticDirectory,
  solanaAddressFromPublicKey,
  stateSyncProtocol,
  withdrawalProofProtocol,
} from '../src/index.js'
import { encodeFrame, encodeVarint } from '../src/reqresp/frame.js'
import {
  CountingCounter,
  connected,
  makeValidator,
  seedOf,
  startNode,
  stopAll,
  type Validator,
} from './helpers/nodes.js'

const SYNC = stateSyncProtocol('localnet')
const request = { network: 'Localnet' as const, fromHeight: 1n, maxBlocks: 1 }
const directory = new StaticDirectory()
const requests = new CountingCounter()

/** A response of exactly `size` encoded bytes: one block with one transaction. */
function responseOfSize(size: number): StateSyncResponse {
  const make = (txBytes: number): StateSyncResponse => ({
    tipHeight: 1n,
    blocks: [
      {
        header: {
          network: 'Localnet',
          height: 1n,
          round: 0,
          parentHash: new Uint8Array(32),
          stateRoot: new Uint8Array(32),
          txRoot: new Uint8Array(32),
          proposer: new Uint8Array(32),
          timestampMs: 0n,
        },
        transactions: [new Uint8Array(txBytes)],
        signature: new Uint8Array(64),
      },
    ],
  })
  const overhead = StateSyncResponse.encode(make(0)).length
  const response = make(size - overhead)
  expect(StateSyncResponse.encode(response).length).toBe(size)
  return response
}

let server: ParaloomNode
let client: ParaloomNode
/** A validator that answers with raw bytes; its handler is swapped per test. */
let rogue: ParaloomNode

async function start(
  validator: Validator,
  handlers?: RequestHandlers,
  extra = {},
): Promise<ParaloomNode> {
  const node = await startNode(validator, directory, { handlers, ...extra })
  directory.add(seedOf(validator, node))
  return node
}

/** Stops a node a test no longer needs and drops it from the registry, so nobody keeps dialling it. */
async function retire(validator: Validator, node: ParaloomNode): Promise<void> {
  directory.remove(validator.publicKey)
  await node.stop()
}

/** Makes `rogue` answer the sync protocol with `respond`. */
async function rogueAnswers(respond: (stream: Stream) => void | Promise<void>): Promise<void> {
  await rogue.libp2p.handle(SYNC, (stream) => void respond(stream), { force: true })
}

/** Opens a raw sync stream from `rogue` to `server`, writes `bytes` and reports how the stream ended. */
async function rawRequest(bytes: Uint8Array, close = true): Promise<'reset' | 'closed'> {
  const stream = await rogue.libp2p.dialProtocol(server.peerId, SYNC)
  const ended = new Promise<'reset' | 'closed'>((resolve) => {
    stream.addEventListener('close', (evt) => resolve(evt.error == null ? 'closed' : 'reset'))
  })
  stream.send(bytes)
  if (close) await stream.close()
  return ended
}

beforeAll(async () => {
  server = await start(
    makeValidator(),
    {
      stateSync: async (req) => {
        if (req.maxBlocks === 7) throw new Error('no blocks here')
        if (req.maxBlocks === 8) return responseOfSize(StateSyncResponse.maxBytes + 1)
        return req.maxBlocks === 9
          ? responseOfSize(StateSyncResponse.maxBytes)
          : { tipHeight: req.fromHeight, blocks: [] }
      },
    },
    { metrics: { requests } },
  )
  // Roomy: the first request also dials, and a busy machine can take seconds for it.
  client = await start(makeValidator(), undefined, { requestTimeoutMs: 20_000 })
  rogue = await start(makeValidator())
})

afterAll(stopAll)

describe('request/response', () => {
  it('answers a request, by PeerId, Solana address or multiaddr', async () => {
    expect(await client.requestStateSync(server.peerId, request)).toEqual({
      tipHeight: 1n,
      blocks: [],
    })
    expect((await client.requestStateSync(server.identity, request)).tipHeight).toBe(1n)
    expect((await client.requestStateSync(server.getMultiaddrs()[0]!, request)).tipHeight).toBe(1n)
  })

  it('passes a response exactly at the 4 MiB cap', async () => {
    const response = await client.requestStateSync(server.peerId, { ...request, maxBlocks: 9 })
    expect(StateSyncResponse.encode(response).length).toBe(StateSyncResponse.maxBytes)
  })

  it('a handler that returns one byte over the cap resets the stream: the caller gets Reset', async () => {
    await expect(
      client.requestStateSync(server.peerId, { ...request, maxBlocks: 8 }),
    ).rejects.toMatchObject({
      name: 'RequestError',
      code: 'Reset',
    })
    expect(
      requests.get({ protocol: SYNC, direction: 'inbound', outcome: 'HandlerFailed' }),
    ).toBeGreaterThan(0)
  })

  it('a response one byte over the cap fails from the length prefix, before any body byte arrives', async () => {
    // The rogue sends only the prefix and keeps the stream open: only the prefix can fail it.
    await rogueAnswers((stream) => {
      stream.send(encodeVarint(StateSyncResponse.maxBytes + 1))
    })
    await expect(client.requestStateSync(rogue.peerId, request)).rejects.toMatchObject({
      code: 'TooLarge',
    })
  })

  it('a responder that never answers hits the deadline', async () => {
    await rogueAnswers(() => {})
    await expect(
      client.requestStateSync(rogue.peerId, request, { timeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: 'Timeout',
    })
  })

  it('the caller can abort', async () => {
    await rogueAnswers(() => {})
    const controller = new AbortController()
    const pending = client.requestStateSync(rogue.peerId, request, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    await expect(pending).rejects.toMatchObject({ code: 'Aborted' })
  })

  it.each([
    ['garbage', () => encodeFrame(Uint8Array.of(1, 2, 3)), 'Decode'],
    ['a truncated frame', () => encodeFrame(new Uint8Array(20)).subarray(0, 10), 'Malformed'],
    ['an over-long varint', () => new Uint8Array(11).fill(0x80), 'Malformed'],
    [
      'bytes after the frame',
      () =>
        Uint8Array.of(...encodeFrame(StateSyncResponse.encode({ tipHeight: 1n, blocks: [] })), 0),
      'Malformed',
    ],
    ['nothing', () => new Uint8Array(0), 'Refused'],
  ])('a response of %s is a typed error', async (_, bytes, code) => {
    await rogueAnswers(async (stream) => {
      const body = bytes()
      if (body.length > 0) stream.send(body)
      await stream.close()
    })
    await expect(client.requestStateSync(rogue.peerId, request)).rejects.toMatchObject({ code })
  })

  it('a handler that throws resets the stream: the caller gets Reset, never a hang', async () => {
    await expect(
      client.requestStateSync(server.peerId, { ...request, maxBlocks: 7 }),
    ).rejects.toMatchObject({
      code: 'Reset',
    })
  })

  it('a node without a handler refuses, and counts it as refused, not as a handler failure', async () => {
    const failedBefore = requests.get({ direction: 'inbound', outcome: 'HandlerFailed' })
    await expect(
      client.requestWithdrawalProof(server.peerId, {
        network: 'Localnet',
        nullifier: new Uint8Array(32),
      }),
    ).rejects.toMatchObject({ code: 'Refused' })
    await waitFor(
      'the refusal counted',
      () => requests.get({ direction: 'inbound', outcome: 'Refused' }) === 1,
    )
    expect(requests.get({ direction: 'inbound', outcome: 'HandlerFailed' })).toBe(failedBefore)
  })

  it("a caller's out-of-range request is a caller error (Invalid), counted as such", async () => {
    // maxBlocks is a u32 on the wire: 2**33 cannot be encoded, and nothing is sent.
    await expect(
      server.requestStateSync(client.peerId, { ...request, maxBlocks: 2 ** 33 }),
    ).rejects.toMatchObject({ name: 'RequestError', code: 'Invalid' })
    expect(requests.get({ direction: 'outbound', outcome: 'Invalid' })).toBe(1)
    expect(requests.get({ direction: 'outbound', outcome: 'Malformed' })).toBe(0)
  })

  it('a request exactly at the 64 KiB cap is read whole; one byte over is refused from the prefix', async () => {
    const atCap = await rawRequest(encodeFrame(new Uint8Array(StateSyncRequest.maxBytes)))
    expect(atCap).toBe('reset') // read in full, then it does not decode as a StateSyncRequest
    await waitFor(
      'the decode failure',
      () => requests.get({ direction: 'inbound', outcome: 'Decode' }) === 1,
    )
    // Only the prefix, stream left open: the server must refuse from it alone.
    const overCap = await rawRequest(encodeVarint(StateSyncRequest.maxBytes + 1), false)
    expect(overCap).toBe('reset')
    expect(requests.get({ direction: 'inbound', outcome: 'TooLarge' })).toBe(1)
  })

  it('an unreachable peer is a Dial error or a Timeout, within the deadline', async () => {
    const nobody = makeValidator()
    const address = solanaAddressFromPublicKey(nobody.publicKey)
    await expect(
      client.requestStateSync(address, request, { timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      name: 'RequestError',
      code: expect.stringMatching(/^(Dial|Timeout)$/),
    })
  })
})

describe('inbound limits', () => {
  it('a flood of concurrent streams from one peer is limited per peer', async () => {
    const counter = new CountingCounter()
    const slow = await start(
      makeValidator(),
      {
        stateSync: async (req) => {
          await sleep(300)
          return { tipHeight: req.fromHeight, blocks: [] }
        },
      },
      { inboundLimits: { maxConcurrentPerPeer: 2, burst: 100 }, metrics: { requests: counter } },
    )
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => client.requestStateSync(slow.peerId, request)),
    )
    const ok = results.filter((r) => r.status === 'fulfilled').length
    const refused = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'Refused',
    ).length
    expect(ok).toBe(2)
    expect(refused).toBe(6)
    expect(counter.get({ direction: 'inbound', outcome: 'RateLimited' })).toBe(6)
  })

  it('a refused stream is reset at once: the peer cannot keep pushing into it', async () => {
    const validator = makeValidator()
    const closed = await start(
      validator,
      {
        stateSync: async (req) => ({ tipHeight: req.fromHeight, blocks: [] }),
      },
      { inboundLimits: { burst: 1, ratePerSecond: 0.01 } },
    )
    await rogue.requestStateSync(closed.peerId, request) // spends the burst
    const stream = await rogue.libp2p.dialProtocol(closed.peerId, SYNC)
    const ended = new Promise<Error | undefined>((resolve) => {
      stream.addEventListener('close', (evt) => resolve(evt.error))
    })
    // A prefix within the cap, then far more than the frame: pushed until the reset stops it.
    stream.send(encodeVarint(1000))
    const chunk = new Uint8Array(64 * 1024)
    for (let i = 0; i < 256 && stream.status === 'open'; i++) {
      if (!stream.send(chunk)) await stream.onDrain().catch(() => undefined)
    }
    expect((await ended)?.name).toBe('StreamResetError')
    // Refused for its rate, which alone costs it little: still admitted.
    expect(closed.isAdmitted(rogue.peerId)).toBe(true)
    expect(connected(closed, rogue)).toBe(true)
    await retire(validator, closed)
  })

  it('a stream that stops mid-frame is reset at the deadline, counted as Timeout', async () => {
    const counter = new CountingCounter()
    const validator = makeValidator()
    const quick = await start(
      validator,
      { stateSync: async (req) => ({ tipHeight: req.fromHeight, blocks: [] }) },
      { requestTimeoutMs: 500, metrics: { requests: counter } },
    )
    const stream = await rogue.libp2p.dialProtocol(quick.peerId, SYNC)
    const ended = new Promise<Error | undefined>((resolve) => {
      stream.addEventListener('close', (evt) => resolve(evt.error))
    })
    stream.send(Uint8Array.of(...encodeVarint(100), 1, 2, 3)) // then silence, stream left open
    expect((await ended)?.name).toBe('StreamResetError')
    expect(counter.get({ direction: 'inbound', outcome: 'Timeout' })).toBe(1)
    await retire(validator, quick)
  })

  it('a refused stream on which nothing arrives is reset after a short look for its prefix', async () => {
    // The server has no withdrawal-proof handler: every such stream is refused.
    const stream = await client.libp2p.dialProtocol(
      server.peerId,
      withdrawalProofProtocol('localnet'),
    )
    const ended = new Promise<Error | undefined>((resolve) => {
      stream.addEventListener('close', (evt) => resolve(evt.error))
    })
    expect((await ended)?.name).toBe('StreamResetError')
  })

  it('a peer over its rate is refused', async () => {
    const strict = await start(
      makeValidator(),
      { stateSync: async (req) => ({ tipHeight: req.fromHeight, blocks: [] }) },
      { inboundLimits: { burst: 3, ratePerSecond: 0.01 } },
    )
    for (let i = 0; i < 3; i++) await client.requestStateSync(strict.peerId, request)
    await expect(client.requestStateSync(strict.peerId, request)).rejects.toMatchObject({
      code: 'Refused',
    })
    // another peer has its own bucket
    expect((await rogue.requestStateSync(strict.peerId, request)).tipHeight).toBe(1n)
  })
})
