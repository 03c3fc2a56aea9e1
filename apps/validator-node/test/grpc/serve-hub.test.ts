// The Serve hub with a stand-in stream: forwarding, deadlines, late and bad
// answers, detaching, and the caps. The real stream is in query.e2e.test.ts.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from '@jest/globals'
import { StateSyncRequest, WithdrawalProofRequest, WithdrawalProofResponse } from '@paraloom/codec'
import { peerIdFromPublicKeyBytes, solanaAddressFromPublicKey } from '@paraloom/p2p'
import { ServedProtocol, type ServeRequest } from '@paraloom/proto'
import { type ServeCall, ServeHub, type ServeOutcome } from '../../src/grpc/serve-hub.js'
import { generateKeypair } from '../../src/keypair.js'

const requester = generateKeypair()
const peer = peerIdFromPublicKeyBytes(requester.publicKey)
const nullifier = new Uint8Array(32).fill(5)
const found: WithdrawalProofResponse = {
  type: 'Found',
  merkleRoot: new Uint8Array(32).fill(1),
  leafIndex: 7n,
  siblings: [new Uint8Array(32).fill(2)],
  proof: new Uint8Array([1, 2, 3]),
}

class FakeCall extends EventEmitter {
  written: ServeRequest[] = []
  ended = false
  write(message: ServeRequest): boolean {
    this.written.push(message)
    return true
  }
  end(): void {
    this.ended = true
  }
  sendMetadata(): void {}
  answer(id: bigint, response: Uint8Array): void {
    this.emit('data', {
      message: { $case: 'answer', value: { id, response: Buffer.from(response) } },
    })
  }
}

function hub(init: { inboundTimeoutMs?: number; maxPending?: number } = {}) {
  const outcomes: [string, ServeOutcome][] = []
  const h = new ServeHub({
    inboundTimeoutMs: init.inboundTimeoutMs ?? 10_000,
    deadlineMarginMs: 0,
    maxPending: init.maxPending,
    fallback: {
      stateSync: () => ({ tipHeight: 42n, blocks: [] }),
      withdrawalProof: () => ({ type: 'Pending', etaSlots: 0n }),
    },
    onOutcome: (kind, outcome) => outcomes.push([kind, outcome]),
  })
  return { h, handlers: h.handlers(), outcomes }
}

const context = (signal = new AbortController().signal) => ({ peer, signal })
const proofRequest = { network: 'Devnet' as const, nullifier }

/** Waits until the fake call has `n` forwarded requests. */
async function forwarded(call: FakeCall, n: number): Promise<ServeRequest> {
  while (call.written.length < n) await new Promise((r) => setImmediate(r))
  return call.written[n - 1]!
}

describe('ServeHub', () => {
  it('without a process, answers from the fallbacks', async () => {
    const { handlers } = hub()
    await expect(handlers.withdrawalProof(proofRequest, context())).resolves.toEqual({
      type: 'Pending',
      etaSlots: 0n,
    })
    await expect(
      handlers.stateSync({ network: 'Devnet', fromHeight: 0n, maxBlocks: 1 }, context()),
    ).resolves.toMatchObject({ tipHeight: 42n })
  })

  it('forwards a withdrawal-proof request with an id, a deadline, the bincode and decoded fields', async () => {
    const { h, handlers, outcomes } = hub()
    const call = new FakeCall()
    expect(h.attach(call as unknown as ServeCall)).toBe(true)
    const before = Date.now()
    const answer = handlers.withdrawalProof(proofRequest, context())
    const sent = await forwarded(call, 1)
    expect(sent).toMatchObject({
      id: 1n,
      protocol: ServedProtocol.SERVED_PROTOCOL_WITHDRAWAL_PROOF,
      fromPeerId: peer.toString(),
      fromValidator: solanaAddressFromPublicKey(requester.publicKey),
    })
    expect(Buffer.from(sent.request)).toEqual(
      Buffer.from(WithdrawalProofRequest.encode(proofRequest)),
    )
    expect(Buffer.from(sent.nullifier)).toEqual(Buffer.from(nullifier))
    expect(Number(sent.deadlineMs)).toBeGreaterThanOrEqual(before + 10_000)
    call.answer(1n, WithdrawalProofResponse.encode(found))
    await expect(answer).resolves.toEqual(found)
    expect(outcomes).toEqual([['withdrawalProof', 'answered']])
  })

  it('forwards state sync only to a process that attached for it', async () => {
    const { h, handlers } = hub()
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    const request = { network: 'Devnet' as const, fromHeight: 3n, maxBlocks: 9 }
    await expect(handlers.stateSync(request, context())).resolves.toMatchObject({ tipHeight: 42n })
    call.emit('data', {
      message: { $case: 'attach', value: { withdrawalProof: false, stateSync: true } },
    })
    const answer = handlers.stateSync(request, context())
    const sent = await forwarded(call, 1)
    expect(sent).toMatchObject({
      protocol: ServedProtocol.SERVED_PROTOCOL_STATE_SYNC,
      fromHeight: 3n,
      maxBlocks: 9,
    })
    expect(Buffer.from(sent.request)).toEqual(Buffer.from(StateSyncRequest.encode(request)))
    // 9n tip, no blocks: 8 bytes of tip then a zero count.
    call.answer(sent.id, new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
    await expect(answer).resolves.toEqual({ tipHeight: 9n, blocks: [] })
    // It no longer serves withdrawal proofs: the fallback answers.
    await expect(handlers.withdrawalProof(proofRequest, context())).resolves.toMatchObject({
      type: 'Pending',
    })
  })

  it('fails the request at its deadline, and drops an answer that comes after it', async () => {
    const { h, handlers, outcomes } = hub({ inboundTimeoutMs: 50 })
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    const answer = handlers.withdrawalProof(proofRequest, context())
    await expect(answer).rejects.toThrow(/did not answer request 1 before its deadline/)
    call.answer(1n, WithdrawalProofResponse.encode(found))
    expect(outcomes).toEqual([
      ['withdrawalProof', 'deadline'],
      ['withdrawalProof', 'late'],
    ])
  })

  it('fails the request when the exchange is aborted first (node stopping, peer gone)', async () => {
    const { h, handlers, outcomes } = hub()
    h.attach(new FakeCall() as unknown as ServeCall)
    const controller = new AbortController()
    const answer = handlers.withdrawalProof(proofRequest, context(controller.signal))
    controller.abort()
    await expect(answer).rejects.toThrow(/before its deadline/)
    expect(outcomes).toEqual([['withdrawalProof', 'deadline']])
  })

  it.each([
    ['an empty answer refuses', new Uint8Array(0), /refused/, 'refused'],
    ['garbage', new Uint8Array([9, 9, 9]), /do not decode/, 'malformed'],
    [
      'a truncated answer',
      WithdrawalProofResponse.encode(found).subarray(0, 20),
      /do not decode/,
      'malformed',
    ],
  ])('%s: the request fails', async (_name, bytes, message, outcome) => {
    const { h, handlers, outcomes } = hub()
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    const answer = handlers.withdrawalProof(proofRequest, context())
    await forwarded(call, 1)
    call.answer(1n, bytes)
    await expect(answer).rejects.toThrow(message)
    expect(outcomes).toEqual([['withdrawalProof', outcome]])
  })

  it('ignores an answer to an id it never sent', () => {
    const { h, outcomes } = hub()
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    call.answer(99n, WithdrawalProofResponse.encode(found))
    expect(outcomes).toEqual([])
  })

  it('attaches one process at a time; another may attach once it leaves', () => {
    const { h } = hub()
    const first = new FakeCall()
    expect(h.attach(first as unknown as ServeCall)).toBe(true)
    expect(h.attach(new FakeCall() as unknown as ServeCall)).toBe(false)
    first.emit('cancelled')
    expect(h.attach(new FakeCall() as unknown as ServeCall)).toBe(true)
  })

  it('fails pending requests when the process detaches, then answers from the fallback', async () => {
    const { h, handlers, outcomes } = hub()
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    const answer = handlers.withdrawalProof(proofRequest, context())
    await forwarded(call, 1)
    call.emit('end')
    await expect(answer).rejects.toThrow(/detached/)
    expect(call.ended).toBe(true)
    expect(outcomes).toEqual([['withdrawalProof', 'detached']])
    await expect(handlers.withdrawalProof(proofRequest, context())).resolves.toMatchObject({
      type: 'Pending',
    })
  })

  it('refuses past max pending without forwarding', async () => {
    const { h, handlers, outcomes } = hub({ maxPending: 2 })
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    const waiting = [
      handlers.withdrawalProof(proofRequest, context()),
      handlers.withdrawalProof(proofRequest, context()),
    ]
    for (const w of waiting) w.catch(() => {})
    await expect(handlers.withdrawalProof(proofRequest, context())).rejects.toThrow(
      /2 requests already wait/,
    )
    expect(call.written).toHaveLength(2)
    expect(outcomes).toEqual([['withdrawalProof', 'overloaded']])
    h.close()
    await Promise.allSettled(waiting)
  })

  it('close() ends the stream and fails what waits', async () => {
    const { h, handlers } = hub()
    const call = new FakeCall()
    h.attach(call as unknown as ServeCall)
    const answer = handlers.withdrawalProof(proofRequest, context())
    await forwarded(call, 1)
    h.close()
    await expect(answer).rejects.toThrow(/detached/)
    expect(call.ended).toBe(true)
  })
})
