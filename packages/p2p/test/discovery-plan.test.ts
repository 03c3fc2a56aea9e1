// What discovery dials, drops and believes, on stub components (no libp2p
// node): a registry change is applied at once (a new validator dialled, a
// removed one dropped unless still admitted), seeds that are this node or do
// not parse are skipped, dials run with bounded concurrency and deadlines,
// and a DHT lookup keeps the valid record with the highest seq.
// discovery.e2e.test.ts runs discovery between real nodes over TCP.
import { describe, expect, it } from '@jest/globals'
import type { PeerId } from '@libp2p/interface'
import { waitFor } from '@paraloom/test-utils'
import { dialAll } from '../src/discovery/dial-pool.js'
import { signRecord } from '../src/discovery/record.js'
import { seedPeer } from '../src/index.js'
import { stubDiscovery, validator } from './helpers/stub-discovery.js'

/** No refresh round after the first: what happens is the registry change's doing. */
const ONE_ROUND = { init: { refreshIntervalMs: 60_000 } }

describe('discovery applies a registry change at once', () => {
  it('dials a newly registered validator without waiting for the next round', async () => {
    const d = await stubDiscovery({ seedCount: 2, ...ONE_ROUND })
    await d.discovery.start()
    await waitFor('the first round', () => d.rounds.length === 1)
    const late = validator()
    d.directory.add(seedPeer(late.publicKey, ['/ip4/127.0.0.1/tcp/21000']))
    await waitFor('the new validator dialled', () => d.connected.has(late.peerId.toString()))
    expect(d.merges).toContain(late.peerId.toString())
    expect(d.rounds).toHaveLength(1)
  })

  it('drops a removed validator: out of the routing table, hung up on', async () => {
    const d = await stubDiscovery({ seedCount: 2, ...ONE_ROUND })
    await d.discovery.start()
    const [gone, kept] = d.others as [ReturnType<typeof validator>, ReturnType<typeof validator>]
    await waitFor('both connected', () => d.connected.size === 2)
    await d.dht.routingTable.add(gone.peerId)
    d.directory.remove(gone.publicKey)
    await waitFor('the hang-up', () => d.hangUps.includes(gone.peerId.toString()))
    expect(d.dht.table.has(gone.peerId.toString())).toBe(false)
    expect(d.hangUps).toEqual([gone.peerId.toString()])
    expect(d.connected.has(kept.peerId.toString())).toBe(true)
  })

  it('keeps a removed validator that is still admitted (the allow-list)', async () => {
    const d = await stubDiscovery({ seedCount: 1, isAdmitted: () => true, ...ONE_ROUND })
    await d.discovery.start()
    const [gone] = d.others as [ReturnType<typeof validator>]
    await waitFor('connected', () => d.connected.size === 1)
    await d.dht.routingTable.add(gone.peerId)
    d.directory.remove(gone.publicKey)
    // Removals are applied as the change arrives.
    expect(d.hangUps).toEqual([])
    expect(d.dht.table.has(gone.peerId.toString())).toBe(true)
    expect(d.connected.has(gone.peerId.toString())).toBe(true)
  })

  it('skips itself and a seed whose address does not parse, and dials the rest', async () => {
    const d = await stubDiscovery({ seedCount: 2, ...ONE_ROUND })
    const broken = validator()
    d.directory.add(seedPeer(broken.publicKey, ['not a multiaddr']))
    await d.discovery.start()
    await waitFor('the first round', () => d.rounds.length === 1)
    expect(d.rounds[0]).toMatchObject({ dialled: 2, connected: 2 })
    expect(new Set(d.dials)).toEqual(new Set(d.others.map((o) => o.peerId.toString())))
    expect(d.dials).not.toContain(d.self.peerId.toString())
    expect(d.dials).not.toContain(broken.peerId.toString())
  })
})

describe('dialAll', () => {
  const peers = Array.from({ length: 6 }, () => validator().peerId)

  it('keeps at most `concurrency` dials in flight and counts the failures', async () => {
    let inFlight = 0
    let most = 0
    const dial = async (peer: PeerId) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight--
      if (peer.equals(peers[0]!)) throw new Error('connection refused')
    }
    const result = await dialAll(peers, dial, {
      concurrency: 2,
      timeoutMs: 1000,
      signal: new AbortController().signal,
    })
    expect(result).toEqual({ connected: 5, failed: 1 })
    expect(most).toBe(2)
  })

  it('bounds each dial by its deadline, and the whole by the signal', async () => {
    const hang = (_: PeerId, { signal }: { signal: AbortSignal }) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      )
    expect(
      await dialAll(peers.slice(0, 2), hang, {
        concurrency: 2,
        timeoutMs: 20,
        signal: new AbortController().signal,
      }),
    ).toEqual({ connected: 0, failed: 2 })
    const stop = new AbortController()
    const dialled: PeerId[] = []
    const all = dialAll(
      peers,
      (peer, options) => {
        dialled.push(peer)
        return hang(peer, options)
      },
      { concurrency: 1, timeoutMs: 60_000, signal: stop.signal },
    )
    stop.abort()
    expect(await all).toEqual({ connected: 0, failed: 1 })
    expect(dialled).toHaveLength(1)
  })
})

describe('findValidator over a stub DHT', () => {
  const recordOf = (
    v: ReturnType<typeof validator>,
    seq: bigint,
    multiaddrs: string[],
    signer = v,
  ): Uint8Array =>
    signRecord(
      { network: 'localnet', identity: v.publicKey, multiaddrs, seq, nowMs: 1 },
      signer.secretKey,
    )

  it('keeps the valid record with the highest seq and stores its addresses', async () => {
    const d = await stubDiscovery({ seedCount: 1, ...ONE_ROUND })
    const [target] = d.others as [ReturnType<typeof validator>]
    const stranger = validator()
    d.dht.values = [
      Uint8Array.of(1, 2, 3),
      recordOf(target, 3n, ['/ip4/10.0.0.1/tcp/1']),
      recordOf(target, 99n, ['/ip4/10.0.0.9/tcp/9'], stranger), // forged: not its signature
      recordOf(target, 5n, ['/ip4/10.0.0.5/tcp/5', 'not a multiaddr']),
      recordOf(target, 4n, ['/ip4/10.0.0.4/tcp/4']),
    ]
    // A DHT error after a valid answer does not hide it.
    d.dht.getError = new Error('query timed out')
    await d.discovery.start()
    const mergesBefore = d.merges.length
    const found = await d.discovery.findValidator(target.publicKey)
    expect(found.record.seq).toBe(5n)
    expect(found.peerId.equals(target.peerId)).toBe(true)
    expect(found.multiaddrs.map(String)).toEqual(['/ip4/10.0.0.5/tcp/5'])
    expect(d.merges.slice(mergesBefore)).toEqual([target.peerId.toString()])
  })

  it('NotFound when no answer is valid, NotStarted before start', async () => {
    const d = await stubDiscovery({ seedCount: 1, ...ONE_ROUND })
    const [target] = d.others as [ReturnType<typeof validator>]
    await expect(d.discovery.findValidator(target.publicKey)).rejects.toMatchObject({
      name: 'DiscoveryError',
      code: 'NotStarted',
    })
    const outsider = validator() // not in the registry: its own record is not valid
    d.dht.values = [recordOf(outsider, 1n, ['/ip4/10.0.0.1/tcp/1']), Uint8Array.of(9)]
    await d.discovery.start()
    await expect(d.discovery.findValidator(outsider.publicKey)).rejects.toMatchObject({
      code: 'NotFound',
    })
    d.dht.values = []
    d.dht.getError = new Error('no peers')
    await expect(d.discovery.findValidator(target.publicKey)).rejects.toMatchObject({
      code: 'NotFound',
      message: expect.stringMatching(/no peers/),
    })
  })
})
